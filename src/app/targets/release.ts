// A release: evaluated with the default branch's policy on the commit its tag points at. Its side effect, with
// `gate.onRelease: draft`, is to turn a release that is not ready back into a draft and say why.
import type { Logger } from "probot";
import type { Report } from "../../engine/types.js";
import { errorForLog } from "../../evidence/github/failure.js";
import { releaseTarget } from "../../evidence/target.js";
import { gatesReleases } from "../applies.js";
import type { Job, ReleaseData, RunTag } from "../jobs.js";
import { resolveTag } from "../lookup.js";
import type { AppOctokit } from "../octokit.js";
import type { CheckRunRef } from "../publish/check-run.js";
import { RunPublisher } from "../publish/publisher.js";
import { draftRelease, explainRelease, releaseExplanation } from "../publish/release.js";
import {
  describeFailure,
  evaluateOnRun,
  gateName,
  invalidResult,
  type Loc,
  type TargetDeps,
} from "./types.js";

type ReleaseJob = Extract<Job, { type: "release" }>;

/**
 * A release's run has a name of its own: evaluated in the release context, it may pass where a pull request
 * with the same head commit does not, and must never stand for that pull request's verdict.
 */
export const releaseRunName = (gate: string): string => `${gate} (release)`;

export async function releaseJob(deps: TargetDeps, job: ReleaseJob, octokit: AppOctokit, log: Logger) {
  const loc = { owner: job.owner, repo: job.repo };
  const release = job.release;
  const started = Date.now();
  const tag: RunTag = { context: "release", release: release.id };
  let publisher: RunPublisher | undefined;
  let holdBack = false;
  try {
    const lookup = await deps.defaultPolicy(octokit, loc, job.defaultBranch);
    if (lookup.state === "none") {
      deps.count("release", "silent", started);
      return;
    }
    holdBack =
      lookup.state === "ok" &&
      lookup.policy.gate.onRelease === "draft" &&
      lookup.policy.gate.mode === "block";
    const sha = await resolveTag(octokit, loc, release.tag);
    publisher = new RunPublisher({
      octokit,
      appId: deps.appId,
      now: deps.now,
      ...loc,
      sha,
      name: releaseRunName(gateName(lookup)),
    });
    if (lookup.state === "invalid") {
      await publisher.fail(invalidResult(lookup, loc, "the default branch"), tag);
      deps.count("release", "invalid-policy", started);
      return;
    }
    const policy = lookup.policy;
    if (!gatesReleases(policy)) return;
    const { target } = releaseTarget({ owner: loc.owner, name: loc.repo }, sha, release);
    const { report, run } = await evaluateOnRun(deps, octokit, log, publisher, policy, target, tag);
    deps.count("release", report.verdict, started);
    if (report.verdict === "pending") deps.waiters.add(loc.owner, loc.repo, sha, job);
    if (report.verdict === "no-go" && holdBack)
      await holdBackRelease(deps, octokit, log, loc, sha, release, report, run);
    log.info({ release: release.tag, verdict: report.verdict, score: report.score }, "release evaluated");
  } catch (error) {
    log.error({ err: errorForLog(error), release: release.tag }, "release could not be evaluated");
    deps.count("release", "error", started);
    if (publisher)
      await publisher
        .failClosed(describeFailure(error), tag)
        .catch((e: unknown) =>
          log.error({ err: errorForLog(e) }, "could not report the failure either; reconcile will retry"),
        );
    // Could not tell is NO-GO: a release the policy holds back on NO-GO is held back now too.
    if (holdBack && !release.draft) {
      await draftRelease(octokit, { ...loc, appId: deps.appId }, release.id).catch((e: unknown) =>
        log.error(
          { err: errorForLog(e), release: release.tag },
          "could not turn the release back into a draft",
        ),
      );
    }
  }
}

async function holdBackRelease(
  deps: TargetDeps,
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
      await draftRelease(octokit, { ...loc, appId: deps.appId }, release.id);
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
    const where = await explainRelease(octokit, { ...loc, appId: deps.appId }, sha, release, body);
    log.info({ release: release.tag, drafted, ...where }, "release held back");
  } catch (error) {
    log.warn({ err: errorForLog(error), release: release.tag }, "release explanation not posted");
  }
}
