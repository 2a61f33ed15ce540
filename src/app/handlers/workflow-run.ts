// A workflow finished: the commit's evidence changed. Re-evaluate the release PRs it heads; for fork PRs
// the payload lists none, so the service finds them by head sha. A run on the default branch (a nightly
// drill) re-evaluates every open release PR of the repository.
import { defineHandler, jobBase } from "./types.js";

export const workflowRunHandler = defineHandler({
  events: ["workflow_run.completed"],
  jobs(event) {
    const base = jobBase(event);
    if (!base) return [];
    const run = event.payload.workflow_run;
    const repository = event.payload.repository;
    const prNumbers = (run.pull_requests ?? [])
      .filter((pr) => pr !== null && (pr.base?.repo?.id === undefined || pr.base.repo.id === repository.id))
      .map((pr) => pr!.number);
    // A run from a fork's branch named like the default branch is not a run on the default branch.
    const ranIn = run.repository?.id ?? repository.id;
    const sameRepo = !run.head_repository || run.head_repository.id === ranIn;
    const onDefaultBranch =
      sameRepo && run.event !== "pull_request" && run.head_branch === repository.default_branch;
    // The listed pull requests are queued as the webhook arrives, where they coalesce with evaluations of them
    // already waiting; the commit's fan-out takes its turn behind those and would evaluate them again.
    return [
      ...prNumbers.map((number) => ({ ...base, type: "pull_request" as const, number, sha: run.head_sha })),
      {
        ...base,
        type: "commit",
        sha: run.head_sha,
        prNumbers: [],
        listed: prNumbers.length > 0,
        onDefaultBranch,
      },
    ];
  },
});
