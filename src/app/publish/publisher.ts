// One publisher per evaluation owns the identity of the run it writes: which commit, which name (the default
// branch's gate.checkName, never a branch's), what it speaks for (its tag), the fingerprint that makes an
// unchanged result cost no write, superseding a completed run, and failing closed.
import {
  type CheckRunOutput,
  couldNotEvaluateResult,
  fingerprintOf,
  type RunResult,
} from "../../report/check-run.js";
import { formatRunTag, parseRunTag, type RunTag } from "../jobs.js";
import type { AppOctokit } from "../octokit.js";
import {
  type CheckRunLocation,
  type CheckRunRef,
  findCheckRun,
  otherPassingRuns,
  startCheckRun,
  type WriteOutcome,
  writeCheckRun,
} from "./check-run.js";

export interface PublisherOptions {
  octokit: AppOctokit;
  appId: number;
  now: () => Date;
  owner: string;
  repo: string;
  sha: string;
  /** The run's name. */
  name: string;
  /**
   * How long an evaluation may run before a commit without a run of ours shows "Evaluating…". A quicker one
   * creates its run completed: one write instead of two (Probot paces writes at one a second).
   */
  showPendingAfterMs?: number;
}

interface PendingStart {
  timer?: NodeJS.Timeout | undefined;
  write?: Promise<void>;
}

/**
 * What makes a run unchanged: its result's fingerprint, and the sticky comment it records (a new comment is a
 * new run, or reconcile would find the run pointing at a comment that is not there).
 */
const writtenKey = (tag: RunTag | null): string | undefined =>
  tag?.fingerprint &&
  (tag.comment ? `${tag.fingerprint};${tag.comment.pr}:${tag.comment.hash}` : tag.fingerprint);

/** See PublisherOptions.showPendingAfterMs. */
export const SHOW_PENDING_AFTER_MS = 3000;

export class RunPublisher {
  private found: Promise<CheckRunRef | null> | undefined;
  /** The run this evaluation writes on, once known (found, or started). */
  private run: CheckRunRef | null = null;
  /** The delayed "Evaluating…" of a commit that had no run: its timer, then its write once started. */
  private pending: PendingStart | undefined;

  constructor(private readonly o: PublisherOptions) {}

  get name(): string {
    return this.o.name;
  }

  private get where(): CheckRunLocation {
    const { owner, repo, sha, name, appId } = this.o;
    return { owner, repo, sha, name, appId };
  }

  /** This App's latest run of the name on the commit, looked up once per evaluation. */
  current(): Promise<CheckRunRef | null> {
    // A failed look-up is asked again (by the failure report), not remembered.
    this.found ??= findCheckRun(this.o.octokit, this.where).then(
      (run) => {
        this.run ??= run;
        return run;
      },
      (error: unknown) => {
        this.found = undefined;
        throw error;
      },
    );
    return this.found;
  }

  /** The run this evaluation writes on: the one it started, else the one it found. */
  async active(): Promise<CheckRunRef | null> {
    await this.settle();
    return this.run ?? (await this.current());
  }

  /** What the latest run says it is for. */
  async currentTag(): Promise<RunTag | null> {
    return parseRunTag((await this.current())?.externalId);
  }

  /**
   * Shows "Evaluating…" at once when the commit has a completed run of ours that speaks for something else
   * (`fresh`): until this evaluation ends, that verdict must not stand for this one. A completed run of this
   * same target is left as it is and compared with the new result at the end. A commit with no run of ours has
   * no verdict to hide: its run is written once, with the result, unless the evaluation takes longer than
   * `showPendingAfterMs`, when "Evaluating…" is shown meanwhile.
   */
  async begin(tag: RunTag, fresh = false): Promise<CheckRunRef | null> {
    const existing = await this.current();
    if (existing && (existing.status !== "completed" || !fresh)) return existing;
    if (!existing) {
      this.showPendingLater(tag);
      return null;
    }
    this.run = await this.startRun(tag);
    return this.run;
  }

  private startRun(tag: RunTag): Promise<CheckRunRef> {
    return startCheckRun(
      this.o.octokit,
      this.where,
      { title: "Evaluating…", summary: "Readiness Gate is collecting the evidence this policy asks for." },
      formatRunTag(tag),
      this.o.now(),
    );
  }

  private showPendingLater(tag: RunTag): void {
    if (this.pending) return;
    const pending: PendingStart = {};
    pending.timer = setTimeout(() => {
      pending.timer = undefined;
      // A failed write only loses the "Evaluating…": the result is still written (created) at the end.
      pending.write = this.startRun(tag).then(
        (run) => {
          this.run ??= run;
        },
        () => undefined,
      );
    }, this.o.showPendingAfterMs ?? SHOW_PENDING_AFTER_MS);
    pending.timer.unref?.();
    this.pending = pending;
  }

  /** Stops a delayed "Evaluating…" from being written, or waits for the one under way (so it is the run written). */
  async settle(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = undefined;
    await pending.write;
  }

  /** Writes a result (see writeCheckRun for why a completed run is never patched). */
  async publish(result: RunResult, tag: RunTag): Promise<{ run: CheckRunRef; outcome: WriteOutcome }> {
    const current = await this.active();
    const fingerprint = fingerprintOf(result.conclusion, result.output, result.evaluatedAt);
    const full: RunTag = {
      ...tag,
      ...(result.timeSensitive ? { timeSensitive: true } : {}),
      ...(result.incomplete ? { incomplete: true } : {}),
      fingerprint,
    };
    const written = await writeCheckRun(
      this.o.octokit,
      this.where,
      current,
      {
        conclusion: result.conclusion,
        output: result.output,
        externalId: formatRunTag(full),
        fingerprint: writtenKey(full) ?? fingerprint,
      },
      (run) => writtenKey(parseRunTag(run.externalId)),
      this.o.now(),
    );
    this.run = written.run;
    return written;
  }

  /**
   * A result that is no verdict of the policy (it does not validate, or the evaluation failed): written as a
   * failure, and a GO this App left under another name fails too, since the configured name may be unknown.
   */
  async fail(result: RunResult, tag: RunTag): Promise<CheckRunRef> {
    const { run } = await this.publish(result, tag);
    await this.failOtherPassingRuns(result.output, tag);
    return run;
  }

  /** Anything that stopped the evaluation: "could not evaluate", never success. */
  failClosed(reason: string, tag: RunTag): Promise<CheckRunRef> {
    return this.fail(couldNotEvaluateResult(reason), tag);
  }

  /** A result only worth writing over a run of ours that is already there ("not gated"). */
  async replaceExisting(result: RunResult, tag: RunTag): Promise<CheckRunRef | null> {
    if (!(await this.active())) return null;
    return (await this.publish(result, tag)).run;
  }

  private async failOtherPassingRuns(output: CheckRunOutput, tag: RunTag): Promise<void> {
    const { octokit, owner, repo, sha, appId, now } = this.o;
    const others = await otherPassingRuns(octokit, { owner, repo, sha, appId }, this.o.name);
    for (const other of others) {
      const other_ = new RunPublisher({ octokit, appId, now, owner, repo, sha, name: other.name });
      other_.run = other;
      await other_.publish({ ...couldNotEvaluateResult(""), output }, { ...tag, incomplete: true });
    }
  }
}
