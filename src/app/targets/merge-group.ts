// A merge queue's commit: GitHub merges the queued pull request (and those ahead of it) into the base on a
// `gh-readonly-queue/<base>/pr-<n>-<sha>` branch and waits for the required checks on that commit. The gate
// answers there under its one name, as it would for the pull request: the BASE branch's policy (the queue's
// base, never the head's), in the pull request context of PR <n>, on the merge commit's files and runs. Its
// claim joins the claims of any pull request with the same head (pull-request.ts), so neither loosens the
// other. Anything it cannot tell fails the run closed: a queue that cannot be judged does not merge.
import type { Logger } from "probot";
import { errorForLog } from "../../evidence/github/failure.js";
import type { Job, RunTag } from "../jobs.js";
import { getPullRequest } from "../lookup.js";
import type { AppOctokit } from "../octokit.js";
import { RunPublisher } from "../publish/publisher.js";
import { commitLock, evaluateHead } from "./pull-request.js";
import { describeFailure, gateName, type TargetDeps } from "./types.js";

type MergeGroupJob = Extract<Job, { type: "merge_group" }>;

export async function mergeGroupJob(deps: TargetDeps, job: MergeGroupJob, octokit: AppOctokit, log: Logger) {
  const loc = { owner: job.owner, repo: job.repo };
  const started = Date.now();
  let publisher: RunPublisher | undefined;
  const tag: RunTag = {
    context: "pull_request",
    ...(job.number !== undefined ? { queue: { pr: job.number, base: job.base } } : {}),
  };
  try {
    const { base, byDefault } = await deps.basePolicy(octokit, loc, job.base, job.defaultBranch);
    // No policy on the base: the gate is not used there (a pull request into it gets no run either).
    if (base.state === "none") {
      deps.count("merge_group", "silent", started);
      return;
    }
    publisher = new RunPublisher({
      octokit,
      appId: deps.appId,
      now: deps.now,
      ...loc,
      sha: job.sha,
      name: gateName(byDefault),
    });
    const refuse = async (why: string) => {
      await publisher!.failClosed(why, tag);
      deps.count("merge_group", "error", started);
      log.warn({ sha: job.sha, headRef: job.headRef }, `merge group not evaluated: ${why}`);
    };
    if (job.number === undefined)
      return await refuse(
        `the merge queue's branch \`${job.headRef}\` does not name a pull request the way GitHub names them (gh-readonly-queue/${job.base}/pr-<number>-<sha>)`,
      );
    const pr = await getPullRequest(octokit, loc, job.number);
    if (pr?.state !== "open") return await refuse(`pull request #${job.number}, queued here, is not open`);
    const queued = { ...pr, baseRef: job.base };
    const result = await deps.exclusive(commitLock(loc, job.sha), () =>
      evaluateHead(deps, job, octokit, log, loc, { pr: queued, sha: job.sha, queue: true }),
    );
    // Pending (a workflow still running on the merge commit): a run completing on it evaluates it again.
    if (result && result.conclusion === null) deps.waiters.add(loc.owner, loc.repo, job.sha, job);
  } catch (error) {
    log.error({ err: errorForLog(error), sha: job.sha }, "merge group could not be evaluated");
    deps.count("merge_group", "error", started);
    if (publisher)
      await publisher
        .failClosed(describeFailure(error), tag)
        .catch((e: unknown) => log.error({ err: errorForLog(e) }, "could not report the failure either"));
  }
}
