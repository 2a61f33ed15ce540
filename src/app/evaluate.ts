import { createHash } from "node:crypto";
// The service: a job → its targets → policy → evidence → report → check run, comment, release, deployment.
// Data moves forward only; every GitHub write happens in ./publish.
import type { Logger } from "probot";
import { runEvaluation } from "../engine/run.js";
import type { Report } from "../engine/types.js";
import { errorForLog } from "../evidence/github/failure.js";
import type { EvidenceProvider, Target } from "../evidence/types.js";
import type { PolicyError } from "../policy/errors.js";
import type { Policy } from "../policy/schema.js";
import { policyErrorAnnotations } from "../report/annotations.js";
import { VERDICT_LABEL } from "../report/common.js";
import { byteLength, COMMENT_MARKER, renderComment, renderMarkdown } from "../report/markdown.js";
import { gatesEnvironment, gatesPullRequest, gatesReleases, isTimeSensitive } from "./applies.js";
import { answerCommands } from "./commands.js";
import {
  type DeploymentData,
  formatRunTag,
  type Job,
  jobBase,
  jobKey,
  type PullRequestData,
  parseRunTag,
  type ReleaseData,
  type RunTag,
} from "./jobs.js";
import { getPullRequest, getRelease, listOpenPullRequests, resolveTag } from "./lookup.js";
import type { Metrics } from "./metrics.js";
import type { AppOctokit } from "./octokit.js";
import {
  describeErrors,
  findSource,
  isLocal,
  type PolicyLookup,
  type PolicySource,
  resolvePolicy,
  validate,
} from "./policy.js";
import {
  type CheckRunLocation,
  type CheckRunOutput,
  type CheckRunRef,
  type Conclusion,
  findCheckRun,
  otherPassingRuns,
  SUMMARY_MAX_BYTES,
  startCheckRun,
  writeCheckRun,
} from "./publish/check-run.js";
import { type StickyResult, upsertSticky } from "./publish/comment.js";
import { reviewDeployment } from "./publish/deployment.js";
import { draftRelease, explainRelease, releaseExplanation } from "./publish/release.js";

export const DEFAULT_CHECK_NAME = "Production readiness";

export interface EvidenceFactoryArgs {
  octokit: AppOctokit;
  owner: string;
  repo: string;
  sha: string;
  log: Logger;
}

export interface ServiceOptions {
  appId: number;
  now: () => Date;
  metrics: Metrics;
  /** Queues follow-up work (one job per pull request found); coalesced like any other job. */
  enqueue: (job: Job) => void;
  waiters: Waiters;
  evidence: (args: EvidenceFactoryArgs) => EvidenceProvider;
}

/** Releases and deployments whose verdict was pending, woken when a workflow on their commit completes. */
export class Waiters {
  private readonly byCommit = new Map<string, { job: Job; since: number }[]>();

  constructor(
    private readonly max = 1000,
    private readonly ttlMs = 24 * 3600_000,
  ) {}

  private static key(owner: string, repo: string, sha: string): string {
    return `${owner}/${repo}@${sha}`.toLowerCase();
  }

  add(owner: string, repo: string, sha: string, job: Job, now = Date.now()): void {
    const key = Waiters.key(owner, repo, sha);
    const list = (this.byCommit.get(key) ?? []).filter((w) => jobKey(w.job) !== jobKey(job));
    list.push({ job, since: now });
    this.byCommit.delete(key);
    this.byCommit.set(key, list);
    while (this.byCommit.size > this.max) this.byCommit.delete(this.byCommit.keys().next().value as string);
  }

  take(owner: string, repo: string, sha: string, now = Date.now()): Job[] {
    const key = Waiters.key(owner, repo, sha);
    const list = this.byCommit.get(key) ?? [];
    this.byCommit.delete(key);
    return list.filter((w) => now - w.since < this.ttlMs).map((w) => w.job);
  }

  get size(): number {
    return this.byCommit.size;
  }
}

interface Loc {
  owner: string;
  repo: string;
}

interface Published {
  report: Report;
  run: CheckRunRef;
  checkName: string;
}

class CouldNotEvaluate extends Error {}

/** A short, safe description of why GitHub did not answer: status and message, never request headers. */
export function describeFailure(error: unknown): string {
  const e = error as { status?: number; message?: string; name?: string; response?: unknown };
  const message = (e?.message ?? String(error)).split("\n")[0]!.slice(0, 300);
  // Octokit gives a request that got no answer (a timeout, a reset) status 500 but no response.
  return e?.status && e.response ? `GitHub answered ${e.status}: ${message}` : message;
}

export function titleOf(report: Report): string {
  const score = `${report.score}/100`;
  if (couldNotTell(report)) return "Could not evaluate: no evidence could be read";
  if (report.verdict === "go") return `GO · ${score}`;
  if (report.verdict === "pending") {
    const waiting = report.pending.slice(0, 3).join(", ");
    return `Pending · ${score} · waiting for ${waiting}${report.pending.length > 3 ? ", …" : ""}`;
  }
  const warn = report.mode === "warn" ? " (warn mode)" : "";
  // A NO-GO that rests on evidence GitHub did not give must not read like a settled one.
  const incomplete = report.incomplete ? " · some evidence could not be read" : "";
  return `NO-GO${warn} · ${score} (needs ${report.minScore})${incomplete}`;
}

/** Every applicable check came back unknown or error: nothing was learnt, so say so rather than score it. */
function couldNotTell(report: Report): boolean {
  const applicable = report.checks.filter((c) => c.status !== "skipped");
  return applicable.length > 0 && applicable.every((c) => c.status === "unknown" || c.status === "error");
}

/** null: keep the run in_progress (pending). GitHub unreachable is never success. */
export function conclusionOf(report: Report): Conclusion | null {
  if (couldNotTell(report)) return "failure";
  if (report.verdict === "go") return "success";
  if (report.verdict === "pending") return null;
  return report.mode === "warn" ? "neutral" : "failure";
}

function repositoryRef(loc: Loc, defaultBranch?: string): Target["repository"] {
  const r: NonNullable<Target["repository"]> = { owner: loc.owner, name: loc.repo };
  if (defaultBranch) r.defaultBranch = defaultBranch;
  return r;
}

/** How long "no policy here" is believed before asking GitHub again (a push changing the policy forgets it). */
export const ABSENT_POLICY_TTL_MS = 5 * 60_000;

export class EvaluationService {
  /** `owner/repo@ref` → until when that ref is known to have no policy: 4 requests saved per event. */
  private readonly absent = new Map<string, number>();

  constructor(private readonly o: ServiceOptions) {}

  /**
   * The policy at `ref`, remembering its absence for a while (repositories without one cost no requests).
   * Slash commands are judged with it too, so a command and the evaluation it leads to read the same rules.
   */
  async policyAt(octokit: AppOctokit, loc: Loc, ref: string): Promise<PolicyLookup> {
    const key = `${loc.owner}/${loc.repo}@${ref}`.toLowerCase();
    const until = this.absent.get(key);
    if (until !== undefined && until > Date.now()) return { state: "none" };
    const lookup = await resolvePolicy(octokit, loc, ref, this.o.now());
    this.absent.delete(key);
    if (lookup.state === "none") {
      this.absent.set(key, Date.now() + ABSENT_POLICY_TTL_MS);
      while (this.absent.size > 10_000) this.absent.delete(this.absent.keys().next().value as string);
    }
    return lookup;
  }

  /** A push changed the policy on `ref`: ask GitHub again next time. */
  forgetAbsence(loc: Loc, ref: string): void {
    this.absent.delete(`${loc.owner}/${loc.repo}@${ref}`.toLowerCase());
  }

  async run(job: Job, octokit: AppOctokit, log: Logger): Promise<void> {
    switch (job.type) {
      case "pull_request":
        return this.pullRequestJob(job, octokit, log);
      case "commit":
        return this.commitJob(job, octokit, log);
      case "release_prs":
        return this.releasePrsJob(job, octokit, log);
      case "release":
        return this.releaseJob(job, octokit, log);
      case "deployment":
        return this.deploymentJob(job, octokit, log);
      case "rerun":
        return this.rerunJob(job, octokit, log);
      case "command":
        return answerCommands(job, octokit, log, {
          appId: this.o.appId,
          policyAt: (o, loc, ref) => this.policyAt(o, loc, ref),
          enqueue: (child) => this.followUp(child),
        });
    }
  }

  // ------------------------------------------------------------------ fan-out: which targets

  private followUp(child: Job): void {
    this.o.enqueue(child);
  }

  private prJob(parent: Job, pr: PullRequestData, reason: string): Job {
    return { ...jobBase(parent), reason, type: "pull_request", number: pr.number, sha: pr.headSha, pr };
  }

  private async commitJob(job: Extract<Job, { type: "commit" }>, octokit: AppOctokit, log: Logger) {
    const loc = { owner: job.owner, repo: job.repo };
    if (job.prNumbers.length > 0) {
      for (const number of job.prNumbers)
        this.followUp({ ...jobBase(job), type: "pull_request", number, sha: job.sha });
    } else {
      // Fork pull requests are missing from workflow_run payloads: find them by their head commit.
      const open = await listOpenPullRequests(octokit, loc);
      for (const pr of open.filter((p) => p.headSha === job.sha))
        this.followUp(this.prJob(job, pr, job.reason));
    }
    for (const waiting of this.o.waiters.take(job.owner, job.repo, job.sha))
      this.followUp({ ...waiting, deliveries: job.deliveries, reason: job.reason });
    if (job.onDefaultBranch) this.followUp({ ...jobBase(job), type: "release_prs" });
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
      const lookup = await this.policyAt(octokit, loc, base);
      if (lookup.state === "none") continue;
      for (const pr of prs) {
        // An invalid policy cannot say which PRs it gates: each PR job reports the error (fail closed).
        if (lookup.state === "invalid" || gatesPullRequest(lookup.policy, pr)) {
          this.followUp(this.prJob(job, pr, job.reason));
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
      const name = lookup?.state === "ok" ? lookup.policy.gate.checkName : DEFAULT_CHECK_NAME;
      const run = await findCheckRun(octokit, { ...loc, sha: job.sha, name, appId: this.o.appId });
      tag = parseRunTag(run?.externalId);
    }
    const prNumbers = tag?.context === "pull_request" && tag.pr ? [tag.pr] : job.prNumbers;
    if (!tag || tag.context === "pull_request") {
      this.followUp({ ...jobBase(job), type: "commit", sha: job.sha, prNumbers, onDefaultBranch: false });
      return;
    }
    if (tag.context === "release" && tag.release) {
      const release = await getRelease(octokit, loc, tag.release);
      if (release) this.followUp({ ...jobBase(job), type: "release", release });
      return;
    }
    if (tag.context === "deployment" && tag.environment) {
      // A gate is answered once per deployment; a re-run refreshes the check run only.
      this.followUp({
        ...jobBase(job),
        type: "deployment",
        deployment: { environment: tag.environment, sha: job.sha },
      });
      return;
    }
    log.info({ tag }, "re-run: nothing to re-evaluate");
  }

  // ------------------------------------------------------------------ targets

  private async pullRequestJob(
    job: Extract<Job, { type: "pull_request" }>,
    octokit: AppOctokit,
    log: Logger,
  ) {
    const loc = { owner: job.owner, repo: job.repo };
    const pr = await this.currentPullRequest(octokit, loc, job, log);
    if (pr?.state !== "open") {
      log.debug({ pr: job.number }, "pull request not open; skipped");
      return;
    }
    // Whatever commit the event named, the PR's head now is what is evaluated: an event for an older head
    // (late, or delivered again) must not put that head's result on the pull request, and in the queue
    // such an event may stand for a newer one folded into it (jobs are keyed by pull request).
    if (job.sha !== undefined && pr.headSha !== job.sha)
      log.info(
        { pr: pr.number, head: pr.headSha },
        "pull request head moved on: evaluating its current head",
      );
    const sha = pr.headSha;
    const started = Date.now();
    let checkName = DEFAULT_CHECK_NAME;
    const tag: RunTag = { context: "pull_request", pr: pr.number };
    try {
      const lookup = await this.policyAt(octokit, loc, pr.baseRef);
      if (lookup.state === "none") {
        this.count("pull_request", "silent", started);
        log.debug({ base: pr.baseRef }, "no policy on the base branch; silent");
        return;
      }
      if (lookup.state === "invalid") {
        await this.publishInvalid(octokit, loc, sha, lookup, tag, `the \`${pr.baseRef}\` branch`);
        this.count("pull_request", "invalid-policy", started);
        return;
      }
      const policy = lookup.policy;
      checkName = policy.gate.checkName;
      if (!gatesPullRequest(policy, pr)) {
        if (job.mayLeaveGate) await this.leaveGate(octokit, loc, sha, checkName, pr);
        log.debug({ pr: pr.number }, "pull request not gated by the policy");
        return;
      }
      const head = await this.headPolicyErrors(octokit, loc, pr, lookup.source);
      const target: Target = {
        context: "pull_request",
        repository: repositoryRef(loc, job.defaultBranch),
        sha,
        ref: pr.headRef,
        pullRequest: {
          number: pr.number,
          baseRef: pr.baseRef,
          headRef: pr.headRef,
          headSha: pr.headSha,
          labels: pr.labels,
          draft: pr.draft,
          ...(pr.author ? { author: pr.author } : {}),
          ...(pr.url ? { url: pr.url } : {}),
        },
      };
      const said: { comment?: StickyResult; url?: string } = {};
      const published = await this.evaluateAndPublish(
        octokit,
        log,
        loc,
        sha,
        policy,
        target,
        tag,
        head,
        // The comment before the result: a failure or a shutdown between the two writes leaves the run
        // in_progress or "could not evaluate", which reconcile revisits; a finished run it would not.
        async (report, run) => {
          said.url = run.htmlUrl;
          said.comment = await this.sticky(octokit, loc, pr, report, run, checkName);
        },
      );
      // A changed result on a commit judged before is a new run: the comment links that one instead.
      if (published.run.htmlUrl !== said.url)
        said.comment = await this.sticky(octokit, loc, pr, published.report, published.run, checkName);
      const comment = said.comment;
      log.info(
        { pr: pr.number, verdict: published.report.verdict, score: published.report.score, comment },
        "pull request evaluated",
      );
      this.count("pull_request", published.report.verdict, started);
    } catch (error) {
      await this.failClosed(octokit, log, loc, sha, checkName, tag, error, started);
    }
  }

  /** The pull request as GitHub has it now; a payload's copy may be old (a late or repeated delivery). */
  private async currentPullRequest(
    octokit: AppOctokit,
    loc: Loc,
    job: Extract<Job, { type: "pull_request" }>,
    log: Logger,
  ): Promise<PullRequestData | null> {
    if (!job.pr) return getPullRequest(octokit, loc, job.number);
    try {
      return (await getPullRequest(octokit, loc, job.number)) ?? job.pr;
    } catch (error) {
      // Unknown whether it moved on: the payload's copy, as before this look existed.
      log.warn(
        { err: errorForLog(error), pr: job.number },
        "could not read the pull request; using the event's copy",
      );
      return job.pr;
    }
  }

  private sticky(
    octokit: AppOctokit,
    loc: Loc,
    pr: PullRequestData,
    report: Report,
    run: CheckRunRef,
    title: string,
  ) {
    const body = renderComment(report, { ...(run.htmlUrl ? { detailsUrl: run.htmlUrl } : {}), title });
    return upsertSticky(
      octokit,
      { ...loc, number: pr.number, appId: this.o.appId, marker: COMMENT_MARKER },
      body,
    );
  }

  private async releaseJob(job: Extract<Job, { type: "release" }>, octokit: AppOctokit, log: Logger) {
    const loc = { owner: job.owner, repo: job.repo };
    const release = job.release;
    const started = Date.now();
    const tag: RunTag = { context: "release", release: release.id };
    let sha: string | undefined;
    let checkName = DEFAULT_CHECK_NAME;
    let holdBack = false;
    try {
      const branch = job.defaultBranch ?? "HEAD";
      const lookup = await this.policyAt(octokit, loc, branch);
      if (lookup.state === "none") {
        this.count("release", "silent", started);
        return;
      }
      holdBack =
        lookup.state === "ok" &&
        lookup.policy.gate.onRelease === "draft" &&
        lookup.policy.gate.mode === "block";
      sha = await resolveTag(octokit, loc, release.tag);
      if (lookup.state === "invalid") {
        await this.publishInvalid(octokit, loc, sha, lookup, tag, "the default branch");
        this.count("release", "invalid-policy", started);
        return;
      }
      const policy = lookup.policy;
      checkName = policy.gate.checkName;
      if (!gatesReleases(policy)) return;
      const target: Target = {
        context: "release",
        repository: repositoryRef(loc, job.defaultBranch),
        sha,
        ref: release.tag,
        release: {
          tag: release.tag,
          id: release.id,
          prerelease: release.prerelease,
          ...(release.url ? { url: release.url } : {}),
        },
      };
      const { report, run } = await this.evaluateAndPublish(
        octokit,
        log,
        loc,
        sha,
        policy,
        target,
        tag,
        null,
      );
      this.count("release", report.verdict, started);
      if (report.verdict === "pending") this.o.waiters.add(loc.owner, loc.repo, sha, job);
      if (report.verdict === "no-go" && report.mode === "block" && policy.gate.onRelease === "draft") {
        await this.holdBackRelease(octokit, log, loc, sha, release, report, run);
      }
      log.info({ release: release.tag, verdict: report.verdict, score: report.score }, "release evaluated");
    } catch (error) {
      if (!sha) {
        log.error({ err: errorForLog(error), release: release.tag }, "release could not be evaluated");
        this.count("release", "error", started);
      } else {
        await this.failClosed(octokit, log, loc, sha, checkName, tag, error, started);
      }
      // Could not tell is NO-GO: a release the policy holds back on NO-GO is held back now too.
      if (holdBack && !release.draft) {
        await draftRelease(octokit, { ...loc, appId: this.o.appId }, release.id).catch((e: unknown) =>
          log.error(
            { err: errorForLog(e), release: release.tag },
            "could not turn the release back into a draft",
          ),
        );
      }
    }
  }

  private async holdBackRelease(
    octokit: AppOctokit,
    log: Logger,
    loc: Loc,
    sha: string,
    release: ReleaseData,
    report: Report,
    run: CheckRunRef,
  ) {
    let drafted = false;
    let problem: string | undefined;
    if (!release.draft) {
      try {
        await draftRelease(octokit, { ...loc, appId: this.o.appId }, release.id);
        drafted = true;
      } catch (error) {
        problem =
          (error as { status?: number }).status === 403
            ? "The App could not turn the release back into a draft: it needs the contents: write permission."
            : `The App could not turn the release back into a draft (${describeFailure(error)}).`;
        log.warn({ err: errorForLog(error), release: release.tag }, "release not drafted");
      }
    }
    const body = releaseExplanation(release, report, {
      drafted,
      ...(run.htmlUrl ? { checkRunUrl: run.htmlUrl } : {}),
      ...(problem ? { problem } : {}),
    });
    try {
      const where = await explainRelease(octokit, { ...loc, appId: this.o.appId }, sha, release, body);
      log.info({ release: release.tag, drafted, ...where }, "release held back");
    } catch (error) {
      log.warn({ err: errorForLog(error), release: release.tag }, "release explanation not posted");
    }
  }

  private async deploymentJob(job: Extract<Job, { type: "deployment" }>, octokit: AppOctokit, log: Logger) {
    const loc = { owner: job.owner, repo: job.repo };
    const d = job.deployment;
    const started = Date.now();
    const tag: RunTag = { context: "deployment", environment: d.environment };
    const answer = async (state: "approved" | "rejected" | undefined, comment: string) => {
      if (d.runId === undefined) return;
      await reviewDeployment(octokit, { ...loc, runId: d.runId, environment: d.environment }, state, comment);
      log.info({ environment: d.environment, state: state ?? "status" }, "deployment gate answered");
    };
    let checkName = DEFAULT_CHECK_NAME;
    try {
      const lookup = await resolvePolicy(octokit, loc, job.defaultBranch ?? "HEAD", this.o.now());
      if (lookup.state === "none") {
        // GitHub waits on this rule until it is answered (up to 30 days): silence would hold the job.
        await answer(
          "rejected",
          "Readiness Gate found no .readiness.yml on the default branch (nor in the organisation's .github repository), so it cannot tell whether this deployment is ready.",
        );
        this.count("deployment", "silent", started);
        return;
      }
      if (lookup.state === "invalid") {
        const run = await this.publishInvalid(octokit, loc, d.sha, lookup, tag, "the default branch");
        await answer("rejected", `The readiness policy does not validate. ${linkTo(run?.htmlUrl)}`.trim());
        this.count("deployment", "invalid-policy", started);
        return;
      }
      const policy = lookup.policy;
      checkName = policy.gate.checkName;
      if (!gatesEnvironment(policy, d.environment)) {
        await answer("approved", `The environment \`${d.environment}\` is not gated by .readiness.yml.`);
        return;
      }
      const target: Target = {
        context: "deployment",
        repository: repositoryRef(loc, job.defaultBranch),
        sha: d.sha,
        ...(d.ref ? { ref: d.ref } : {}),
        deployment: {
          environment: d.environment,
          ...(d.deploymentId !== undefined ? { id: d.deploymentId } : {}),
          ...(d.deploymentUrl ? { url: d.deploymentUrl } : {}),
        },
      };
      const { report, run } = await this.evaluateAndPublish(
        octokit,
        log,
        loc,
        d.sha,
        policy,
        target,
        tag,
        null,
      );
      this.count("deployment", report.verdict, started);
      const headline = `Readiness ${VERDICT_LABEL[report.verdict]}: ${report.score}/100 (minimum ${report.minScore}).`;
      const blocking = report.blocking.length ? ` Blocking: ${report.blocking.slice(0, 8).join(", ")}.` : "";
      if (report.verdict === "go") await answer("approved", `${headline} ${linkTo(run.htmlUrl)}`);
      else if (report.verdict === "pending") {
        // GitHub takes ten status comments per deployment; keep the last one for nothing but the decision.
        const reports = d.progressReports ?? 0;
        if (d.runId !== undefined && reports < 9)
          await answer(
            undefined,
            `${headline} Waiting for ${report.pending.slice(0, 8).join(", ")}. ${linkTo(run.htmlUrl)}`,
          );
        this.o.waiters.add(loc.owner, loc.repo, d.sha, {
          ...job,
          deployment: { ...d, progressReports: reports + 1 },
        });
      } else if (report.mode === "warn" && !couldNotTell(report))
        await answer("approved", `${headline} Warn mode: not blocking.${blocking} ${linkTo(run.htmlUrl)}`);
      else await answer("rejected", `${headline}${blocking} ${linkTo(run.htmlUrl)}`);
    } catch (error) {
      const run = await this.failClosed(octokit, log, loc, d.sha, checkName, tag, error, started);
      try {
        await answer(
          "rejected",
          `Readiness Gate could not evaluate this deployment: ${describeFailure(error)}. ${linkTo(run?.htmlUrl)}`,
        );
      } catch (e) {
        log.error({ err: errorForLog(e) }, "deployment gate could not be answered");
      }
    }
  }

  // ------------------------------------------------------------------ evaluate and publish

  private async evaluateAndPublish(
    octokit: AppOctokit,
    log: Logger,
    loc: Loc,
    sha: string,
    policy: Policy,
    target: Target,
    tag: RunTag,
    head: HeadPolicyErrors | null,
    /** Runs once the report is ready, before the result is written (the pull request's comment). */
    beforeResult?: (report: Report, run: CheckRunRef) => Promise<void>,
  ): Promise<Published> {
    const checkName = policy.gate.checkName;
    const where: CheckRunLocation = { ...loc, sha, name: checkName, appId: this.o.appId };
    const now = this.o.now();
    const existing = await findCheckRun(octokit, where);
    // A first evaluation shows in_progress at once. A completed run cannot be reopened (GitHub freezes it):
    // it is compared with the new result at the end and superseded only if the result changed.
    const current =
      existing ??
      (await startCheckRun(
        octokit,
        where,
        { title: "Evaluating…", summary: "Readiness Gate is collecting the evidence this policy asks for." },
        formatRunTag(tag),
        now,
      ));
    let report: Report;
    try {
      const provider = this.o.evidence({ octokit, owner: loc.owner, repo: loc.repo, sha, log });
      report = await runEvaluation({ policy, provider, target, now });
    } catch (error) {
      throw Object.assign(new CouldNotEvaluate(describeFailure(error)), { run: current, cause: error });
    }
    let conclusion = conclusionOf(report);
    let title = titleOf(report);
    let prefix = "";
    let annotations: ReturnType<typeof policyErrorAnnotations> = [];
    if (head) {
      prefix = `### The policy changed in this pull request does not validate\n\n${describeErrors(head.errors)}\n\nIt would become the gate once merged; fix it first. This result uses the base branch's policy.\n\n---\n\n`;
      annotations = policyErrorAnnotations(head.errors, head.path);
      if (conclusion !== null && report.mode === "block") conclusion = "failure";
      title = `${title} · policy in this PR is invalid`;
    }
    const summary =
      prefix + renderMarkdown(report, { maxBytes: SUMMARY_MAX_BYTES - byteLength(prefix), title: checkName });
    await beforeResult?.(report, current);
    const { run, outcome } = await this.write(
      octokit,
      where,
      current,
      conclusion,
      { title, summary, annotations },
      { ...tag, timeSensitive: isTimeSensitive(policy, report), incomplete: report.incomplete },
      report.evaluatedAt,
    );
    log.debug({ checkRun: run.id, outcome }, "check run written");
    return { report, run, checkName };
  }

  /** Writes a result with its fingerprint (see writeCheckRun for why a completed run is never patched). */
  private write(
    octokit: AppOctokit,
    where: CheckRunLocation,
    current: CheckRunRef | null,
    conclusion: Conclusion | null,
    output: CheckRunOutput,
    tag: RunTag,
    evaluatedAt?: string,
  ) {
    const fingerprint = fingerprintOf(conclusion, output, evaluatedAt);
    const externalId = formatRunTag({ ...tag, fingerprint });
    return writeCheckRun(
      octokit,
      where,
      current,
      { conclusion, output, externalId, fingerprint },
      (run) => parseRunTag(run.externalId)?.fingerprint,
      this.o.now(),
    );
  }

  /** When a PR changes the policy file, its head version is validated too (strictly) and annotated. */
  private async headPolicyErrors(
    octokit: AppOctokit,
    loc: Loc,
    pr: PullRequestData,
    base: PolicySource,
  ): Promise<HeadPolicyErrors | null> {
    // Only a policy file in the PR's own tree can be changed by the PR: the organisation's is not looked up again.
    const head = await findSource(octokit, loc, pr.headSha, true);
    if (!head || !isLocal(head, loc)) return null;
    if (isLocal(base, loc) && base.path === head.path && base.text === head.text) return null;
    const lookup = await validate(octokit, head, this.o.now(), true, "presets-and-same-commit");
    return lookup.state === "invalid" ? { path: head.path, errors: lookup.errors } : null;
  }

  private async publishInvalid(
    octokit: AppOctokit,
    loc: Loc,
    sha: string,
    lookup: Extract<PolicyLookup, { state: "invalid" }>,
    tag: RunTag,
    where: string,
  ): Promise<CheckRunRef> {
    const { source, errors } = lookup;
    const place = isLocal(source, loc) ? `\`${source.path}\`` : `\`${source.path}\` in \`${source.repo}\``;
    const title = `Invalid policy: ${errors.length} problem${errors.length === 1 ? "" : "s"} in ${source.path}`;
    const summary = `The readiness policy ${place} on ${where} does not validate, so this commit cannot be evaluated and the gate fails closed.\n\n${describeErrors(errors)}\n`;
    const annotations = isLocal(source, loc) ? policyErrorAnnotations(errors, source.path) : [];
    const runLoc: CheckRunLocation = { ...loc, sha, name: DEFAULT_CHECK_NAME, appId: this.o.appId };
    const existing = await findCheckRun(octokit, runLoc);
    const { run } = await this.write(
      octokit,
      runLoc,
      existing,
      "failure",
      { title, summary, annotations },
      tag,
    );
    await this.failOtherPassingRuns(octokit, loc, sha, DEFAULT_CHECK_NAME, { title, summary }, tag);
    return run;
  }

  /** A GO under a custom gate.checkName must not outlive a policy that no longer validates or could not be read. */
  private async failOtherPassingRuns(
    octokit: AppOctokit,
    loc: Loc,
    sha: string,
    written: string,
    output: CheckRunOutput,
    tag: RunTag,
  ): Promise<void> {
    const others = await otherPassingRuns(octokit, { ...loc, sha, appId: this.o.appId }, written);
    for (const other of others) {
      await this.write(
        octokit,
        { ...loc, sha, name: other.name, appId: this.o.appId },
        other,
        "failure",
        output,
        {
          ...tag,
          incomplete: true,
        },
      );
    }
  }

  /** The PR no longer matches applies.pullRequests: a result left from before must not keep blocking it. */
  private async leaveGate(octokit: AppOctokit, loc: Loc, sha: string, name: string, pr: PullRequestData) {
    const where: CheckRunLocation = { ...loc, sha, name, appId: this.o.appId };
    const existing = await findCheckRun(octokit, where);
    if (!existing) return;
    await this.write(
      octokit,
      where,
      existing,
      "neutral",
      {
        title: "Not gated",
        summary: `Pull request #${pr.number} no longer matches \`applies.pullRequests\` of the base branch's policy (base branch or labels), so Readiness Gate does not gate it.`,
      },
      { context: "pull_request", pr: pr.number },
    );
  }

  /** Anything that stopped the evaluation: the check run fails with "could not evaluate", never success. */
  private async failClosed(
    octokit: AppOctokit,
    log: Logger,
    loc: Loc,
    sha: string,
    checkName: string,
    tag: RunTag,
    error: unknown,
    started: number,
  ): Promise<CheckRunRef | undefined> {
    const cause = error instanceof CouldNotEvaluate ? (error as { cause?: unknown }).cause : error;
    log.error({ err: errorForLog(cause) }, "could not evaluate");
    this.count(tag.context, "error", started);
    const title = "Could not evaluate";
    const summary = `Readiness Gate could not evaluate this commit: ${describeFailure(cause)}.\n\nThe gate fails closed. Press **Re-evaluate** once GitHub answers again; the reconcile job also retries runs left unfinished.`;
    try {
      const where: CheckRunLocation = { ...loc, sha, name: checkName, appId: this.o.appId };
      const current = (error as { run?: CheckRunRef }).run ?? (await findCheckRun(octokit, where));
      // Marked incomplete, so reconcile evaluates it again rather than taking it for a result.
      const { run } = await this.write(
        octokit,
        where,
        current,
        "failure",
        { title, summary },
        { ...tag, incomplete: true },
      );
      await this.failOtherPassingRuns(octokit, loc, sha, checkName, { title, summary }, tag);
      return run;
    } catch (e) {
      log.error({ err: errorForLog(e) }, "could not report the failure either; reconcile will retry");
      return undefined;
    }
  }

  private count(context: string, verdict: string, started: number): void {
    this.o.metrics.evaluations.inc({ context, verdict });
    if (verdict !== "silent")
      this.o.metrics.evaluationSeconds.observe({ context }, (Date.now() - started) / 1000);
  }
}

interface HeadPolicyErrors {
  path: string;
  errors: PolicyError[];
}

/**
 * What a written result is, without the moment it was computed: conclusion, title, summary (its
 * "evaluated <time>" removed) and annotations. Equal fingerprints: the run already says this.
 */
export function fingerprintOf(
  conclusion: Conclusion | null,
  output: CheckRunOutput,
  evaluatedAt?: string,
): string {
  const summary = evaluatedAt ? output.summary.split(evaluatedAt).join("") : output.summary;
  return createHash("sha256")
    .update(JSON.stringify([conclusion, output.title, summary, output.text ?? "", output.annotations ?? []]))
    .digest("hex")
    .slice(0, 16);
}

function linkTo(url: string | undefined): string {
  return url ? `[Check run](${url})` : "";
}

export type { DeploymentData };
export { errorForLog };
