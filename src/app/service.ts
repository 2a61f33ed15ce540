// The service: a job → which targets (fan-out) → one target kind each (./targets). Policy lookups, the
// per-commit lock and the books are kept here; every GitHub write happens in ./publish.
import type { Logger } from "probot";
import { runEvaluation } from "../engine/run.js";
import type { Report } from "../engine/types.js";
import { type GateBook, MemoryGates } from "../store/gates.js";
import { gatesPullRequest } from "./applies.js";
import { answerCommands } from "./commands.js";
import { type Job, jobBase, type PullRequestData, parseRunTag } from "./jobs.js";
import { KeyedLocks } from "./locks.js";
import { getRelease, getReleaseByTag, listOpenPullRequests } from "./lookup.js";
import type { Metrics } from "./metrics.js";
import type { AppOctokit } from "./octokit.js";
import { type PolicyLookup, resolveBranchPolicy, resolvePolicy } from "./policy.js";
import { findCheckRun } from "./publish/check-run.js";
import { deploymentJob } from "./targets/deployment.js";
import { mergeGroupJob } from "./targets/merge-group.js";
import { pullRequestJob } from "./targets/pull-request.js";
import { releaseJob } from "./targets/release.js";
import { gateName, type Loc, type TargetDeps } from "./targets/types.js";
import type { Waiters } from "./waiters.js";

export { DEFAULT_CHECK_NAME, describeFailure, type EvidenceFactoryArgs } from "./targets/types.js";

export interface ServiceOptions {
  appId: number;
  now: () => Date;
  metrics: Metrics;
  /** Queues follow-up work (one job per pull request found); coalesced like any other job. */
  enqueue: (job: Job) => void;
  waiters: Waiters;
  evidence: TargetDeps["evidence"];
  /** Deployment gates (default: in the process, beside the other waiters). */
  gates?: GateBook;
  /**
   * Called with every completed evaluation's report (the verdict history) and the installation and default
   * branch of the job it was made for; must not throw.
   */
  evaluated?: (report: Report, at: EvaluatedFor) => void;
  /** Called when a report given to `evaluated` was published on a check run; must not throw. */
  published?: (report: Report, checkRunUrl: string) => void;
  /** The per-commit lock; in this process by default (src/store/commit-locks.ts holds it across replicas). */
  locks?: Pick<KeyedLocks, "run">;
}

export interface EvaluatedFor {
  installationId: number;
  defaultBranch?: string;
}

/** How long "no policy here" is believed before asking GitHub again (a push changing the policy forgets it). */
export const ABSENT_POLICY_TTL_MS = 5 * 60_000;

/** Owner and repository names are case-insensitive on GitHub; refs are not (`MAIN` is not `main`). */
const absenceKey = (loc: Loc, ref: string): string =>
  `${loc.owner.toLowerCase()}/${loc.repo.toLowerCase()}@${ref}`;

export class EvaluationService {
  /** `owner/repo@ref` → until when that ref is known to have no policy: 4 requests saved per event. */
  private readonly absent = new Map<string, number>();
  private readonly locks: Pick<KeyedLocks, "run">;
  private readonly deps: TargetDeps;

  constructor(private readonly o: ServiceOptions) {
    this.locks = o.locks ?? new KeyedLocks();
    this.deps = {
      appId: o.appId,
      now: o.now,
      evidence: o.evidence,
      basePolicy: (octokit, loc, base, defaultBranch) => this.basePolicy(octokit, loc, base, defaultBranch),
      defaultPolicy: (octokit, loc, branch) => resolvePolicy(octokit, loc, branch ?? "HEAD", o.now()),
      waiters: o.waiters,
      gates: countAnswers(o.gates ?? new MemoryGates(o.waiters), o.metrics),
      // Per job (see forJob): the history needs the job's installation.
      evaluate: (options) => runEvaluation(options),
      recorded: () => {},
      ...(o.published ? { published: o.published } : {}),
      exclusive: (key, work) => this.locks.run(key, work),
      count: (context, verdict, started) => this.count(context, verdict, started),
    };
  }

  /**
   * The policy at a pull request's base `ref`, remembering its absence for a while (repositories without one
   * cost no requests). Slash commands are judged with it too, so a command and the evaluation it leads to read
   * the same rules. Releases and deployments never use the remembered absence.
   */
  policyAt(octokit: AppOctokit, loc: Loc, ref: string): Promise<PolicyLookup> {
    return this.remembered(loc, ref, () => resolvePolicy(octokit, loc, ref, this.o.now()));
  }

  private async remembered(loc: Loc, ref: string, look: () => Promise<PolicyLookup>): Promise<PolicyLookup> {
    const key = absenceKey(loc, ref);
    const until = this.absent.get(key);
    if (until !== undefined && until > Date.now()) return { state: "none" };
    const lookup = await look();
    this.absent.delete(key);
    if (lookup.state === "none") {
      this.absent.set(key, Date.now() + ABSENT_POLICY_TTL_MS);
      while (this.absent.size > 10_000) this.absent.delete(this.absent.keys().next().value as string);
    }
    return lookup;
  }

  /**
   * A pull request's base policy and the default branch's (whose `gate.checkName` names the run, and whose
   * references bound what another branch's policy may extend: resolveBranchPolicy).
   */
  async basePolicy(
    octokit: AppOctokit,
    loc: Loc,
    base: string,
    defaultBranch: string | undefined,
  ): Promise<{ base: PolicyLookup; byDefault: PolicyLookup }> {
    const byDefault = this.policyAt(octokit, loc, defaultBranch ?? "HEAD");
    if (base === defaultBranch) {
      const lookup = await byDefault;
      return { base: lookup, byDefault: lookup };
    }
    // Both read at once (one round trip, not two): the base's own look-up waits for the default branch's
    // only where it needs it (the references its policy may extend).
    const [baseLookup, defaultLookup] = await Promise.all([
      this.remembered(loc, base, () =>
        resolveBranchPolicy(octokit, loc, base, this.o.now(), () => byDefault),
      ),
      byDefault,
    ]);
    return { base: baseLookup, byDefault: defaultLookup };
  }

  /** A push changed the policy on `ref`: ask GitHub again next time. */
  forgetAbsence(loc: Loc, ref: string): void {
    this.absent.delete(absenceKey(loc, ref));
  }

  /** The targets' dependencies, recording each evaluation with the job's installation. */
  private forJob(job: Job): TargetDeps {
    const record = this.o.evaluated;
    if (!record) return this.deps;
    const at: EvaluatedFor = {
      installationId: job.installationId,
      ...(job.defaultBranch ? { defaultBranch: job.defaultBranch } : {}),
    };
    return {
      ...this.deps,
      evaluate: async (options) => {
        const report = await runEvaluation(options);
        record(report, at);
        return report;
      },
      recorded: (report) => record(report, at),
    };
  }

  async run(job: Job, octokit: AppOctokit, log: Logger): Promise<void> {
    switch (job.type) {
      case "pull_request":
        return pullRequestJob(this.forJob(job), job, octokit, log);
      case "release":
        return releaseJob(this.forJob(job), job, octokit, log);
      case "deployment":
        return deploymentJob(this.forJob(job), job, octokit, log);
      case "merge_group":
        return mergeGroupJob(this.forJob(job), job, octokit, log);
      case "commit":
        return this.commitJob(job, octokit, log);
      case "release_prs":
        return this.releasePrsJob(job, octokit, log);
      case "rerun":
        return this.rerunJob(job, octokit, log);
      case "release_tag": {
        const release = await getReleaseByTag(octokit, { owner: job.owner, repo: job.repo }, job.tag);
        if (release && !release.draft) this.o.enqueue({ ...jobBase(job), type: "release", release });
        return;
      }
      case "command":
        return answerCommands(job, octokit, log, {
          appId: this.o.appId,
          basePolicy: async (o, loc, base) => (await this.basePolicy(o, loc, base, job.defaultBranch)).base,
          enqueue: (child) => this.o.enqueue(child),
        });
    }
  }

  // ------------------------------------------------------------------ fan-out: which targets

  private prJob(parent: Job, pr: PullRequestData, reason: string): Job {
    return { ...jobBase(parent), reason, type: "pull_request", number: pr.number, sha: pr.headSha, pr };
  }

  private async commitJob(job: Extract<Job, { type: "commit" }>, octokit: AppOctokit, log: Logger) {
    const loc = { owner: job.owner, repo: job.repo };
    if (job.prNumbers.length > 0) {
      for (const number of job.prNumbers)
        this.o.enqueue({ ...jobBase(job), type: "pull_request", number, sha: job.sha });
    } else if (!job.listed) {
      // Fork pull requests are missing from workflow_run payloads: find them by their head commit.
      const open = await listOpenPullRequests(octokit, loc);
      for (const pr of open.filter((p) => p.headSha === job.sha))
        this.o.enqueue(this.prJob(job, pr, job.reason));
    }
    const gates = this.o.gates ? await this.deps.gates.waitingOn(job.owner, job.repo, job.sha) : [];
    for (const waiting of [...this.o.waiters.take(job.owner, job.repo, job.sha), ...gates])
      this.o.enqueue({ ...waiting, deliveries: job.deliveries, reason: job.reason });
    if (job.onDefaultBranch) this.o.enqueue({ ...jobBase(job), type: "release_prs" });
    log.debug({ prs: job.prNumbers.length }, "commit fanned out");
  }

  private async releasePrsJob(job: Extract<Job, { type: "release_prs" }>, octokit: AppOctokit, log: Logger) {
    const loc = { owner: job.owner, repo: job.repo };
    if (job.base) this.forgetAbsence(loc, job.base);
    const open = await listOpenPullRequests(octokit, loc);
    const byBase = new Map<string, PullRequestData[]>();
    for (const pr of open) {
      if (job.base && pr.baseRef !== job.base) continue;
      byBase.set(pr.baseRef, [...(byBase.get(pr.baseRef) ?? []), pr]);
    }
    let queued = 0;
    for (const [base, prs] of byBase) {
      const lookup = (await this.basePolicy(octokit, loc, base, job.defaultBranch)).base;
      if (lookup.state === "none") continue;
      for (const pr of prs) {
        // An invalid policy cannot say which PRs it gates: each PR job reports the error (fail closed).
        if (lookup.state === "invalid" || gatesPullRequest(lookup.policy, pr)) {
          this.o.enqueue(this.prJob(job, pr, job.reason));
          queued++;
        }
      }
    }
    log.info({ open: open.length, queued }, "release pull requests queued");
  }

  private async rerunJob(job: Extract<Job, { type: "rerun" }>, octokit: AppOctokit, log: Logger) {
    const loc = { owner: job.owner, repo: job.repo };
    let tag = parseRunTag(job.externalId);
    if (!tag) {
      // A check suite re-run does not name the run: look ours up on the commit by this App's id.
      const lookup = await resolvePolicy(octokit, loc, job.defaultBranch ?? "HEAD", this.o.now()).catch(
        () => null,
      );
      const name = lookup ? gateName(lookup) : gateName({ state: "none" });
      const run = await findCheckRun(octokit, { ...loc, sha: job.sha, name, appId: this.o.appId });
      tag = parseRunTag(run?.externalId);
    }
    if (tag?.queue) {
      // A merge queue's commit: evaluated again as the merge group (which re-judges any PR claims with it).
      const { pr, base } = tag.queue;
      const headRef = `refs/heads/gh-readonly-queue/${base}/pr-${pr}`;
      this.o.enqueue({ ...jobBase(job), type: "merge_group", sha: job.sha, base, headRef, number: pr });
      return;
    }
    const prNumbers =
      tag?.context === "pull_request" ? (tag.prs ?? (tag.pr ? [tag.pr] : job.prNumbers)) : job.prNumbers;
    if (!tag || tag.context === "pull_request") {
      this.o.enqueue({ ...jobBase(job), type: "commit", sha: job.sha, prNumbers, onDefaultBranch: false });
      return;
    }
    if (tag.context === "release" && tag.release) {
      const release = await getRelease(octokit, loc, tag.release);
      if (release) this.o.enqueue({ ...jobBase(job), type: "release", release });
      return;
    }
    if (tag.context === "deployment" && tag.environment) {
      // A gate is answered once per deployment; a re-run refreshes the check run only.
      this.o.enqueue({
        ...jobBase(job),
        type: "deployment",
        deployment: { environment: tag.environment, sha: job.sha },
      });
      return;
    }
    log.info({ tag }, "re-run: nothing to re-evaluate");
  }

  private count(context: string, verdict: string, started: number): void {
    this.o.metrics.evaluations.inc({ context, verdict });
    if (verdict !== "silent")
      this.o.metrics.evaluationSeconds.observe({ context }, (Date.now() - started) / 1000);
  }
}

/** The gate book, counting each decision this replica sent (readiness_deployment_gates_answered_total). */
function countAnswers(book: GateBook, metrics: Metrics): GateBook {
  return {
    wait: (job) => book.wait(job),
    waitingOn: (owner, repo, sha) => book.waitingOn(owner, repo, sha),
    async answer(job, state, comment, send) {
      const sent = await book.answer(job, state, comment, send);
      if (sent) metrics.gatesAnswered.inc({ state });
      return sent;
    },
  };
}
