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
}

export class RunPublisher {
  private found: Promise<CheckRunRef | null> | undefined;
  /** The run this evaluation writes on, once known (found, or started). */
  private run: CheckRunRef | null = null;

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
    return this.run ?? (await this.current());
  }

  /** What the latest run says it is for. */
  async currentTag(): Promise<RunTag | null> {
    return parseRunTag((await this.current())?.externalId);
  }

  /**
   * Shows "Evaluating…" at once when the commit has no run of ours, or when the one it has is completed and
   * speaks for something else (`fresh`): until this evaluation ends, that verdict must not stand for this one.
   * A completed run of this same target is left as it is and compared with the new result at the end.
   */
  async begin(tag: RunTag, fresh = false): Promise<CheckRunRef> {
    const existing = await this.current();
    if (existing && (existing.status !== "completed" || !fresh)) return existing;
    this.run = await startCheckRun(
      this.o.octokit,
      this.where,
      { title: "Evaluating…", summary: "Readiness Gate is collecting the evidence this policy asks for." },
      formatRunTag(tag),
      this.o.now(),
    );
    return this.run;
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
      { conclusion: result.conclusion, output: result.output, externalId: formatRunTag(full), fingerprint },
      (run) => parseRunTag(run.externalId)?.fingerprint,
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
    if (!(await this.current())) return null;
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
