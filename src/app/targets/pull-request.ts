// A pull request: evaluated with its BASE branch's policy; its verdict goes on its head commit's run and in
// its sticky comment. Every open gated pull request with the same head has a claim on that run, which shows
// the most restrictive of their verdicts, so no pull request can loosen another's (docs/security.md).
import type { Logger } from "probot";
import type { Report } from "../../engine/types.js";
import { errorForLog } from "../../evidence/github/failure.js";
import { pullRequestTarget } from "../../evidence/target.js";
import type { PolicyError } from "../../policy/errors.js";
import {
  type Claim,
  combineClaims,
  couldNotEvaluateResult,
  notGatedResult,
  type RunResult,
  reportResult,
  SHARED_PREAMBLE_BYTES,
} from "../../report/check-run.js";
import type { Baseline } from "../../report/common.js";
import { COMMENT_MARKER, renderComment } from "../../report/markdown.js";
import { gatesPullRequest, isTimeSensitive } from "../applies.js";
import type { Job, PullRequestData, RunTag } from "../jobs.js";
import { getPullRequest } from "../lookup.js";
import type { AppOctokit } from "../octokit.js";
import { changedSource, isLocal, type PolicyLookup, type PolicySource, validate } from "../policy.js";
import { evaluatePullRequest } from "../projects.js";
import { baseBranchScore } from "../publish/baseline.js";
import { commentHash, type StickyResult, stickyText, upsertSticky } from "../publish/comment.js";
import { RunPublisher } from "../publish/publisher.js";
import {
  DEFAULT_CHECK_NAME,
  describeFailure,
  gateName,
  invalidResult,
  type Loc,
  type TargetDeps,
} from "./types.js";

type PullRequestJob = Extract<Job, { type: "pull_request" }>;

/** Evaluations that write one commit's run take this lock (see ../locks.ts). */
export const commitLock = (loc: Loc, sha: string): string => `${loc.owner}/${loc.repo}@${sha}`.toLowerCase();

/** One pull request's claim on its head's run, with the report behind it when there is one. */
interface Judged {
  pr: PullRequestData;
  claim: Claim | null;
  report?: Report;
  checkName?: string;
  baseline?: Baseline | null;
}

export async function pullRequestJob(
  deps: TargetDeps,
  job: PullRequestJob,
  octokit: AppOctokit,
  log: Logger,
): Promise<void> {
  const loc = { owner: job.owner, repo: job.repo };
  const pr = await currentPullRequest(octokit, loc, job, log);
  if (pr?.state !== "open") {
    log.debug({ pr: job.number }, "pull request not open; skipped");
    return;
  }
  // Whatever commit the event named, the PR's head now is what is evaluated: an event for an older head
  // (late, or delivered again) must not put that head's result on the pull request.
  if (job.sha !== undefined && pr.headSha !== job.sha)
    log.info({ pr: pr.number, head: pr.headSha }, "pull request head moved on: evaluating its current head");
  const sha = pr.headSha;
  await deps.exclusive(commitLock(loc, sha), () => evaluateHead(deps, job, octokit, log, loc, { pr, sha }));
}

/**
 * Who claims the verdict on a commit: a pull request whose head it is, or (`queue`) the merge queue's commit
 * for a pull request, judged with the queue's base policy (`pr.baseRef` is then that base).
 */
export interface Claimant {
  pr: PullRequestData;
  sha: string;
  queue?: boolean;
}

/**
 * Evaluates `own` and every other claim on its commit, and writes the most restrictive verdict on the run.
 * Returns the result written (null: nothing written, or it failed closed).
 */
export async function evaluateHead(
  deps: TargetDeps,
  job: { defaultBranch?: string; mayLeaveGate?: boolean; retargeted?: boolean },
  octokit: AppOctokit,
  log: Logger,
  loc: Loc,
  own: Claimant,
): Promise<RunResult | null> {
  const started = Date.now();
  const { pr, sha } = own;
  const context = own.queue ? "merge_group" : "pull_request";
  const ownQueue = own.queue ? { pr: pr.number, base: pr.baseRef } : undefined;
  const ownTag: RunTag = ownQueue
    ? { context: "pull_request", queue: ownQueue }
    : { context: "pull_request", pr: pr.number };
  const publisherNamed = (name: string) =>
    new RunPublisher({ octokit, appId: deps.appId, now: deps.now, ...loc, sha, name });
  let publisher: RunPublisher | undefined;
  let others: number[] = [];
  try {
    const { base, byDefault } = await deps.basePolicy(octokit, loc, pr.baseRef, job.defaultBranch);
    const gated = base.state === "invalid" || (base.state === "ok" && gatesPullRequest(base.policy, pr));
    // The merge queue waits for an answer: a queued PR the policy does not gate gets "not gated", not silence.
    if (!gated && !job.mayLeaveGate && !(own.queue && base.state === "ok")) {
      // Most repositories have no policy: that costs nothing more than the look for one.
      deps.count(context, "silent", started);
      log.debug({ pr: pr.number, base: pr.baseRef }, "not gated by the base branch's policy; silent");
      return null;
    }
    publisher = publisherNamed(gateName(byDefault));
    const tag = await publisher.currentTag();
    const claimed = tag?.context === "pull_request" ? (tag.prs ?? (tag.pr ? [tag.pr] : [])) : [];
    // A merge group never shares its commit with another merge group; its claim is only another's to a PR.
    const group = !own.queue && tag?.context === "pull_request" ? tag.queue : undefined;
    others = own.queue ? claimed : claimed.filter((n) => n !== pr.number);
    const spokenFor = claimed.length + (tag?.queue ? 1 : 0);
    const ownListed = own.queue
      ? tag?.queue?.pr === pr.number && tag.queue.base === pr.baseRef
      : claimed.includes(pr.number);
    // A completed verdict of other claimants, or one judged under the PR's old base, must not stand for this
    // one while it is evaluated.
    const stale = (spokenFor > 0 && !ownListed) || job.retargeted === true;
    if (base.state === "ok" && gated) await publisher.begin(ownTag, stale);
    const reserve = others.length > 0 || group ? SHARED_PREAMBLE_BYTES : 0;
    const ownJudged = gated
      ? await judge(deps, octokit, log, loc, pr, base, publisher.name, reserve, sha)
      : null;
    // The others this run speaks for, as GitHub has them now: still open, still on this head, still gated.
    const rest: Judged[] = [];
    for (const number of others) {
      const other = await getPullRequest(octokit, loc, number);
      if (other?.state !== "open" || other.headSha !== sha) continue;
      const { base: lookup } = await deps.basePolicy(octokit, loc, other.baseRef, job.defaultBranch);
      const judged = await judge(
        deps,
        octokit,
        log,
        loc,
        other,
        lookup,
        publisher.name,
        SHARED_PREAMBLE_BYTES,
        sha,
      );
      if (judged.claim) rest.push(judged);
    }
    // The merge group's claim holds while its pull request is open (once merged, the queue is done with it).
    let groupClaim: Claim | null = null;
    if (group) {
      const queued = await getPullRequest(octokit, loc, group.pr);
      if (queued?.state === "open") {
        const { base: lookup } = await deps.basePolicy(octokit, loc, group.base, job.defaultBranch);
        const inQueue = { ...queued, baseRef: group.base };
        const judged = await judge(
          deps,
          octokit,
          log,
          loc,
          inQueue,
          lookup,
          publisher.name,
          SHARED_PREAMBLE_BYTES,
          sha,
        );
        // Not gated by its base any more: the queue's "not gated" answer, which restricts like a GO.
        groupClaim = judged.claim ? queueClaim(judged.claim) : null;
      }
    }
    const ownClaim = ownJudged?.claim && own.queue ? queueClaim(ownJudged.claim) : ownJudged?.claim;
    const claims = [ownClaim, ...rest.map((r) => r.claim), groupClaim].filter((c): c is Claim => c != null);
    if (claims.length === 0) {
      if (own.queue) {
        // The queue waits for the required check: say the gate does not apply rather than let it stall.
        await publisher.publish(notGatedResult(pr.number), ownTag);
        deps.count(context, "not-gated", started);
        log.info({ pr: pr.number, sha }, "merge group not gated by the base branch's policy");
        return null;
      }
      // Nobody gates this commit any more: a result left from before must not keep blocking the PR.
      if (job.mayLeaveGate || claimed.length > 0)
        await publisher.replaceExisting(notGatedResult(pr.number), ownTag);
      deps.count(context, "silent", started);
      log.debug({ pr: pr.number }, "pull request not gated by the policy");
      return null;
    }
    const { claim, result } = combineClaims(claims);
    const prClaims = claims.filter((c) => !c.queue).map((c) => c.pr);
    const queueHeld = (ownClaim && own.queue ? ownQueue : undefined) ?? (groupClaim ? group : undefined);
    const runTag: RunTag = {
      context: "pull_request",
      ...(prClaims.length > 0
        ? { pr: prClaims.includes(claim.pr) ? claim.pr : prClaims[0]!, prs: prClaims }
        : {}),
      ...(queueHeld ? { queue: queueHeld } : {}),
      // One base for every claim: the run is that branch's score (the delta of PRs into it reads it).
      ...(new Set(claims.map((c) => c.baseRef)).size === 1 ? { base: claims[0]!.baseRef } : {}),
    };
    // The run first, then the comment: the run is what branch protection waits for, and Probot lets one write
    // a second through, so the second write waits a throttle slot. The run records the comment it goes with
    // (its hash); a comment that then fails to be written, or a shutdown between the two, leaves a run whose
    // comment is missing or out of date, which reconcile evaluates again (test/reliability/faults.test.ts).
    // The comment links the pull request's checks page rather than one run: a new head or a changed result
    // is a new run, whose link would cost the comment an edit. No evaluation time in it either, so an
    // unchanged result costs the comment no write.
    const report = own.queue ? undefined : ownJudged?.report;
    const baseline = ownJudged?.baseline ?? null;
    const stickyLoc = { ...loc, number: pr.number, appId: deps.appId, marker: COMMENT_MARKER };
    const commentText = report
      ? stickyText(
          COMMENT_MARKER,
          commentBody(report, pr.url ? `${pr.url}/checks` : undefined, publisher.name, baseline),
        )
      : undefined;
    if (commentText) runTag.comment = { pr: pr.number, hash: commentHash(commentText) };
    const run = result.verdictless
      ? await publisher.fail(result, runTag)
      : (await publisher.publish(result, runTag)).run;
    if (run.htmlUrl)
      for (const j of [ownJudged, ...rest]) if (j?.report) deps.published?.(j.report, run.htmlUrl);
    let comment: StickyResult | "failed" | undefined;
    if (commentText) {
      try {
        comment = await upsertSticky(octokit, stickyLoc, commentText);
      } catch (error) {
        // The verdict stands on the run; reconcile writes the comment it records.
        comment = "failed";
        log.warn({ err: errorForLog(error), pr: pr.number }, "sticky comment not written; reconcile will");
      }
    }
    const verdict = ownJudged?.report?.verdict ?? (base.state === "invalid" ? "invalid-policy" : "error");
    log.info(
      {
        pr: pr.number,
        verdict,
        score: ownJudged?.report?.score,
        comment,
        ...(own.queue ? { sha } : {}),
        ...(claims.length > 1 ? { shared: claims.map((c) => c.pr), shown: claim.pr } : {}),
      },
      own.queue ? "merge group evaluated" : "pull request evaluated",
    );
    deps.count(context, verdict, started);
    return result;
  } catch (error) {
    log.error({ err: errorForLog(error) }, "could not evaluate");
    deps.count(context, "error", started);
    try {
      // The configured name may be unknown here: RunPublisher.fail also fails a GO under any other name.
      await (publisher ?? publisherNamed(DEFAULT_CHECK_NAME)).failClosed(describeFailure(error), {
        ...ownTag,
        ...(own.queue
          ? others.length > 0
            ? { pr: others[0]!, prs: others }
            : {}
          : { prs: [pr.number, ...others] }),
      });
    } catch (e) {
      log.error({ err: errorForLog(e) }, "could not report the failure either; reconcile will retry");
    }
    return null;
  } finally {
    await publisher?.settle();
  }
}

/** A merge group's claim, told apart from the pull requests' own. */
const queueClaim = (claim: Claim): Claim => ({ ...claim, queue: true });

/** A pull request's claim: its base policy's verdict, or null when that policy does not gate it. */
async function judge(
  deps: TargetDeps,
  octokit: AppOctokit,
  log: Logger,
  loc: Loc,
  pr: PullRequestData,
  lookup: PolicyLookup,
  checkName: string,
  reserveBytes: number,
  sha: string,
): Promise<Judged> {
  const claimOf = (result: Claim["result"]): Claim => ({ pr: pr.number, baseRef: pr.baseRef, result });
  if (lookup.state === "none") return { pr, claim: null };
  if (lookup.state === "invalid")
    return { pr, claim: claimOf(invalidResult(lookup, loc, `the \`${pr.baseRef}\` branch`)) };
  const policy = lookup.policy;
  if (!gatesPullRequest(policy, pr)) return { pr, claim: null };
  // The head's policy file and the base branch's run are read while the evidence is collected (at 50 ms a
  // request, two round trips fewer before the run is written).
  const headErrors = headPolicyErrors(deps, octokit, loc, sha, lookup.source);
  // "+5.4 vs main": this App's own run on the base branch's head, one request (see publish/baseline.ts).
  const baselineRead = baseBranchScore(octokit, {
    ...loc,
    name: checkName,
    appId: deps.appId,
    ref: pr.baseRef,
  });
  // Awaited below; a failure meanwhile is not an unhandled rejection.
  headErrors.catch(() => undefined);
  baselineRead.catch(() => undefined);
  try {
    const repository = { owner: loc.owner, name: loc.repo };
    // The commit evaluated is `sha` (a merge queue's commit, or the head); sign-offs stay bound to the head.
    const target = { ...pullRequestTarget(repository, pr).target, sha };
    const provider = deps.evidence({ octokit, ...loc, sha, log });
    // With `projects` (a monorepo), the projects the PR touches are judged too, read from its base.
    const at = { octokit, loc, number: pr.number, baseRef: pr.baseRef, log };
    const engine = { evaluate: deps.evaluate, recorded: deps.recorded };
    const report = await evaluatePullRequest({ ...at, ...engine, policy, provider, target, now: deps.now() });
    const head = await headErrors;
    const baseline = await baselineRead;
    const result = reportResult(report, {
      checkName,
      headPolicy: head,
      timeSensitive: isTimeSensitive(policy, report),
      reserveBytes,
      baseline,
    });
    return { pr, claim: claimOf(result), report, checkName, baseline };
  } catch (error) {
    log.error({ err: errorForLog(error), pr: pr.number }, "could not evaluate");
    return { pr, claim: claimOf(couldNotEvaluateResult(describeFailure(error))) };
  }
}

/** When a PR changes the policy file, its head version is validated too (strictly) and annotated. */
async function headPolicyErrors(
  deps: TargetDeps,
  octokit: AppOctokit,
  loc: Loc,
  sha: string,
  base: PolicySource,
): Promise<{ path: string; errors: PolicyError[] } | null> {
  // Only a policy file in the PR's own tree can be changed by the PR: the organisation's is not looked up again.
  const head = await changedSource(octokit, loc, sha, isLocal(base, loc) ? base : undefined);
  if (!head) return null;
  // Validated without following references beyond presets and this same commit (docs/security.md §2).
  const lookup = await validate(octokit, head, deps.now(), true, "presets-and-same-commit");
  return lookup.state === "invalid" ? { path: head.path, errors: lookup.errors } : null;
}

/** The pull request as GitHub has it now; a payload's copy may be old (a late or repeated delivery). */
async function currentPullRequest(
  octokit: AppOctokit,
  loc: Loc,
  job: PullRequestJob,
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

function commentBody(
  report: Report,
  detailsUrl: string | undefined,
  title: string,
  baseline: Baseline | null,
) {
  return renderComment(report, {
    ...(detailsUrl ? { detailsUrl } : {}),
    title,
    ...(baseline ? { baseline } : {}),
  });
}
