// The base branch's score is read from this App's own run only: the answer is checked, not only the question.
import { describe, expect, it } from "vitest";
import type { AppOctokit } from "../../src/app/octokit.js";
import { baseBranchScore } from "../../src/app/publish/baseline.js";

const LOC = { owner: "o", repo: "r", name: "Production readiness", appId: 7, ref: "main" };

/** GitHub's answer to the check-runs listing, whatever was asked (a proxy or a filter ignored). */
function answering(runs: unknown[] | Error) {
  const asked: Record<string, unknown>[] = [];
  const octokit = {
    request: async (_route: string, params: Record<string, unknown>) => {
      asked.push(params);
      if (runs instanceof Error) throw runs;
      return { data: { total_count: runs.length, check_runs: runs } };
    },
  } as unknown as AppOctokit;
  return { octokit, asked };
}

const run = (over: Record<string, unknown> = {}) => ({
  name: "Production readiness",
  status: "completed",
  app: { id: 7 },
  output: { title: "NO-GO · 72.5/100 (needs 80)" },
  external_id: "readiness;ctx=pull_request;pr=3;b=main",
  ...over,
});

describe("baseBranchScore", () => {
  it("reads the score of this App's completed run, asking GitHub by branch, name and app id", async () => {
    const { octokit, asked } = answering([run()]);
    expect(await baseBranchScore(octokit, LOC)).toEqual({ score: 72.5, ref: "main" });
    expect(asked).toEqual([
      expect.objectContaining({ ref: "main", check_name: "Production readiness", app_id: 7 }),
    ]);
  });

  it("gives no delta for another App's run, one without an app, an unfinished one, one without a score, or one judged against another branch", async () => {
    for (const other of [
      run({ app: { id: 8 } }),
      run({ app: null }),
      run({ status: "in_progress" }),
      run({ name: "production readiness" }),
      run({ output: { title: "Could not evaluate" } }),
      run({ output: {} }),
      // Judged against another branch's policy: a PR from main's head commit into a writer's own branch.
      run({ external_id: "readiness;ctx=pull_request;pr=9;b=lenient" }),
      // Claims of several bases, or none recorded (a run written before bases were recorded).
      run({ external_id: "readiness;ctx=pull_request;pr=9;prs=9.10" }),
      run({ external_id: null }),
    ])
      expect(await baseBranchScore(answering([other]).octokit, LOC)).toBeNull();
  });

  it("a merge queue's run judged against main counts: it becomes main's head when it merges", async () => {
    const queued = run({ external_id: "readiness;ctx=pull_request;mq=12:main" });
    expect(await baseBranchScore(answering([queued]).octokit, LOC)).toEqual({ score: 72.5, ref: "main" });
  });

  it("gives no delta, and throws nothing, when GitHub does not answer", async () => {
    const failure = Object.assign(new Error("Not Found"), { status: 404 });
    expect(await baseBranchScore(answering(failure).octokit, LOC)).toBeNull();
  });
});
