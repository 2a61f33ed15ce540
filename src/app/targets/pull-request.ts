// A pull request: evaluated with its BASE branch's policy; its verdict goes on its head commit's run and in
// its sticky comment. Every open gated pull request with the same head has a claim on that run, which shows
// the most restrictive of their verdicts, so no pull request can loosen another's (docs/security.md).
import type { Logger } from "probot";
import { runEvaluation } from "../../engine/run.js";
import type { Report } from "../../engine/types.js";
import { errorForLog } from "../../evidence/github/failure.js";
import { pullRequestTarget } from "../../evidence/target.js";
import type { PolicyError } from "../../policy/errors.js";
import {
  type Claim,
  combineClaims,
  couldNotEvaluateResult,
  notGatedResult,
  reportResult,
  SHARED_PREAMBLE_BYTES,
} from "../../report/check-run.js";
import { COMMENT_MARKER, renderComment } from "../../report/markdown.js";
import { gatesPullRequest, isTimeSensitive } from "../applies.js";
import type { Job, PullRequestData, RunTag } from "../jobs.js";
import { getPullRequest } from "../lookup.js";
import type { AppOctokit } from "../octokit.js";
import { findSource, isLocal, type PolicyLookup, type PolicySource, validate } from "../policy.js";
import type { CheckRunRef } from "../publish/check-run.js";
import { upsertSticky } from "../publish/comment.js";
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

/** One pull request's claim on its head's run, with the report behind it when there is one. */
interface Judged {
  pr: PullRequestData;
  claim: Claim | null;
  report?: Report;
  checkName?: string;
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
  await deps.exclusive(`${loc.owner}/${loc.repo}@${sha}`.toLowerCase(), () =>
    evaluateHead(deps, job, octokit, log, loc, pr),
  );
}

async function evaluateHead(
  deps: TargetDeps,
  job: PullRequestJob,
  octokit: AppOctokit,
  log: Logger,
  loc: Loc,
  pr: PullRequestData,
): Promise<void> {
  const started = Date.now();
  const sha = pr.headSha;
  const ownTag: RunTag = { context: "pull_request", pr: pr.number };
  const publisherNamed = (name: string) =>
    new RunPublisher({ octokit, appId: deps.appId, now: deps.now, ...loc, sha, name });
  let publisher: RunPublisher | undefined;
  let others: number[] = [];
  try {
    const { base, byDefault } = await deps.basePolicy(octokit, loc, pr.baseRef, job.defaultBranch);
    const gated = base.state === "invalid" || (base.state === "ok" && gatesPullRequest(base.policy, pr));
    if (!gated && !job.mayLeaveGate) {
      // Most repositories have no policy: that costs nothing more than the look for one.
      deps.count("pull_request", "silent", started);
      log.debug({ pr: pr.number, base: pr.baseRef }, "not gated by the base branch's policy; silent");
      return;
    }
    publisher = publisherNamed(gateName(byDefault));
    const tag = await publisher.currentTag();
    const claimed = tag?.context === "pull_request" ? (tag.prs ?? (tag.pr ? [tag.pr] : [])) : [];
    others = claimed.filter((n) => n !== pr.number);
    // A completed verdict of other pull requests must not stand for this one while it is evaluated.
    if (base.state === "ok" && gated)
      await publisher.begin(ownTag, claimed.length > 0 && others.length === claimed.length);
    const reserve = others.length > 0 ? SHARED_PREAMBLE_BYTES : 0;
    const own = gated ? await judge(deps, octokit, log, loc, pr, base, publisher.name, reserve) : null;
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
      );
      if (judged.claim) rest.push(judged);
    }
    const claims = [own?.claim, ...rest.map((r) => r.claim)].filter((c): c is Claim => c != null);
    if (claims.length === 0) {
      // Nobody gates this commit any more: a result left from before must not keep blocking the PR.
      if (job.mayLeaveGate || claimed.length > 0)
        await publisher.replaceExisting(notGatedResult(pr.number), ownTag);
      deps.count("pull_request", "silent", started);
      log.debug({ pr: pr.number }, "pull request not gated by the policy");
      return;
    }
    const { claim, result } = combineClaims(claims);
    const runTag: RunTag = { context: "pull_request", pr: claim.pr, prs: claims.map((c) => c.pr) };
    // The comment before the result: a failure or a shutdown between the two writes leaves the run
    // in_progress or "could not evaluate", which reconcile revisits; a finished run it would not.
    let linked: string | undefined;
    let comment: string | undefined;
    if (own?.report) {
      const run = await publisher.active();
      linked = run?.htmlUrl;
      comment = await sticky(deps, octokit, loc, pr, own.report, run, publisher.name);
    }
    const run = result.verdictless
      ? await publisher.fail(result, runTag)
      : (await publisher.publish(result, runTag)).run;
    // A changed result on a commit judged before is a new run: the comment links that one instead.
    if (own?.report && run.htmlUrl !== linked)
      comment = await sticky(deps, octokit, loc, pr, own.report, run, publisher.name);
    const verdict = own?.report?.verdict ?? (base.state === "invalid" ? "invalid-policy" : "error");
    log.info(
      {
        pr: pr.number,
        verdict,
        score: own?.report?.score,
        comment,
        ...(claims.length > 1 ? { shared: claims.map((c) => c.pr), shown: claim.pr } : {}),
      },
      "pull request evaluated",
    );
    deps.count("pull_request", verdict, started);
  } catch (error) {
    log.error({ err: errorForLog(error) }, "could not evaluate");
    deps.count("pull_request", "error", started);
    try {
      // The configured name may be unknown here: RunPublisher.fail also fails a GO under any other name.
      await (publisher ?? publisherNamed(DEFAULT_CHECK_NAME)).failClosed(describeFailure(error), {
        ...ownTag,
        prs: [pr.number, ...others],
      });
    } catch (e) {
      log.error({ err: errorForLog(e) }, "could not report the failure either; reconcile will retry");
    }
  }
}

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
): Promise<Judged> {
  const claimOf = (result: Claim["result"]): Claim => ({ pr: pr.number, baseRef: pr.baseRef, result });
  if (lookup.state === "none") return { pr, claim: null };
  if (lookup.state === "invalid")
    return { pr, claim: claimOf(invalidResult(lookup, loc, `the \`${pr.baseRef}\` branch`)) };
  const policy = lookup.policy;
  if (!gatesPullRequest(policy, pr)) return { pr, claim: null };
  try {
    const head = await headPolicyErrors(deps, octokit, loc, pr, lookup.source);
    const repository = { owner: loc.owner, name: loc.repo };
    const { target } = pullRequestTarget(repository, pr);
    const provider = deps.evidence({ octokit, ...loc, sha: pr.headSha, log });
    const report = await runEvaluation({ policy, provider, target, now: deps.now() });
    const result = reportResult(report, {
      checkName,
      headPolicy: head,
      timeSensitive: isTimeSensitive(policy, report),
      reserveBytes,
    });
    return { pr, claim: claimOf(result), report, checkName };
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
  pr: PullRequestData,
  base: PolicySource,
): Promise<{ path: string; errors: PolicyError[] } | null> {
  // Only a policy file in the PR's own tree can be changed by the PR: the organisation's is not looked up again.
  const head = await findSource(octokit, loc, pr.headSha, true);
  if (!head || !isLocal(head, loc)) return null;
  if (isLocal(base, loc) && base.path === head.path && base.text === head.text) return null;
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

function sticky(
  deps: TargetDeps,
  octokit: AppOctokit,
  loc: Loc,
  pr: PullRequestData,
  report: Report,
  run: CheckRunRef | null,
  title: string,
) {
  const body = renderComment(report, { ...(run?.htmlUrl ? { detailsUrl: run.htmlUrl } : {}), title });
  return upsertSticky(
    octokit,
    { ...loc, number: pr.number, appId: deps.appId, marker: COMMENT_MARKER },
    body,
  );
}
