// workflow_run, check_run, check_suite and push: what each causes.
import { afterEach, describe, expect, it } from "vitest";
import {
  APP_ID,
  checkRunWrites,
  comments,
  commentWrites,
  example,
  existingCheckRun,
  type Harness,
  noCheckRun,
  policy,
  RELEASE_POLICY,
  setup,
  teardown,
  token,
  tree,
} from "./harness.js";

function pullJson(
  repo: string,
  number: number,
  base: string,
  headSha: string,
  labels: string[] = ["release"],
) {
  return {
    id: number * 10,
    number,
    state: "open",
    draft: false,
    html_url: `https://github.com/${repo}/pull/${number}`,
    user: { login: "octocat" },
    labels: labels.map((name, i) => ({ id: i, name })),
    base: { ref: base, sha: "b".repeat(40) },
    head: { ref: `feature-${number}`, sha: headSha },
  };
}

/** Everything one PR evaluation reads and writes, for a PR whose base policy is RELEASE_POLICY. */
function evaluationOf(
  h: Harness,
  repo: string,
  number: number,
  base: string,
  sha: string,
  files = ["README.md"],
) {
  policy(h.api, repo, base, RELEASE_POLICY);
  policy(h.api, repo, sha, RELEASE_POLICY);
  noCheckRun(h.api, repo, sha);
  tree(h.api, repo, sha, files);
  comments(h.api, repo, number);
  commentWrites(h.api, repo, number);
}

describe("workflow_run.completed", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("re-evaluates the release PR whose head is the run's commit", async () => {
    h = await setup();
    const payload = example("workflow_run", "completed", 2);
    const repo = payload.repository.full_name as string;
    const sha = payload.workflow_run.head_sha as string;
    payload.workflow_run.pull_requests[0].base.repo.id = payload.repository.id;
    payload.workflow_run.pull_requests[0].head.sha = sha;
    payload.workflow_run.head_branch = "feature";
    token(h.api);
    h.api.get(`/repos/${repo}/pulls/2`).reply(200, pullJson(repo, 2, "master", sha));
    evaluationOf(h, repo, 2, "master", sha);
    const runs = checkRunWrites(h.api, repo);

    await h.deliver("workflow_run", payload);

    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ _method: "POST", head_sha: sha, status: "completed" });
  });

  it("a fork PR (empty pull_requests): finds the open PR by head sha", async () => {
    h = await setup();
    const payload = example("workflow_run", "completed", 1);
    const repo = payload.repository.full_name as string;
    const sha = payload.workflow_run.head_sha as string;
    payload.workflow_run.pull_requests = [];
    payload.workflow_run.event = "pull_request";
    payload.workflow_run.head_branch = "patch-1";
    payload.workflow_run.head_repository.id = 999_999;
    token(h.api);
    h.api
      .get(`/repos/${repo}/pulls`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [pullJson(repo, 3, "master", "c".repeat(40)), pullJson(repo, 4, "master", sha)]);
    evaluationOf(h, repo, 4, "master", sha);
    const runs = checkRunWrites(h.api, repo);

    await h.deliver("workflow_run", payload);

    expect(runs.filter((r) => r._method === "POST").map((r) => r.head_sha)).toEqual([sha]);
    expect(runs[0]!.external_id).toMatch(/^readiness;ctx=pull_request;pr=4;b=master;fp=/);
  });

  it("a run on the default branch (a nightly drill) re-evaluates the open release PRs", async () => {
    h = await setup();
    const payload = example("workflow_run", "completed", 0);
    const repo = payload.repository.full_name as string;
    expect(payload.workflow_run.head_branch).toBe(payload.repository.default_branch);
    const gated = "d".repeat(40);
    token(h.api);
    const open = [pullJson(repo, 5, "release/2.0", gated, []), pullJson(repo, 6, "main", "e".repeat(40), [])];
    h.api.get(`/repos/${repo}/pulls`).query({ state: "open", per_page: "100" }).times(2).reply(200, open);
    policy(h.api, repo, "release/2.0", RELEASE_POLICY);
    policy(h.api, repo, "main", RELEASE_POLICY);
    evaluationOf(h, repo, 5, "release/2.0", gated);
    const runs = checkRunWrites(h.api, repo);

    await h.deliver("workflow_run", payload);

    expect(runs.filter((r) => r._method === "POST").map((r) => r.head_sha)).toEqual([gated]);
  });

  it("coalesces: 50 workflow_run events for one sha within a second cause at most 2 evaluations", async () => {
    h = await setup();
    const payload = example("workflow_run", "completed", 2);
    const repo = payload.repository.full_name as string;
    const sha = payload.workflow_run.head_sha as string;
    payload.workflow_run.pull_requests[0].base.repo.id = payload.repository.id;
    payload.workflow_run.head_branch = "feature";
    token(h.api);
    h.api
      .get(`/repos/${repo}/pulls/2`)
      .times(50)
      .optionally()
      .reply(200, pullJson(repo, 2, "master", sha));
    for (let i = 0; i < 50; i++) evaluationOf(h, repo, 2, "master", sha);
    const runs = checkRunWrites(h.api, repo);

    const started = Date.now();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => h!.receive("workflow_run", payload, `burst-${i}`)),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    await h.runtime.idle();

    const completed = runs.filter((r) => r.status === "completed").length;
    expect(completed).toBeGreaterThanOrEqual(1);
    expect(completed).toBeLessThanOrEqual(2);
    const evaluations = (await h.runtime.metrics.evaluations.get()).values.reduce((s, v) => s + v.value, 0);
    expect(evaluations).toBeLessThanOrEqual(2);
    const webhooks = (await h.runtime.metrics.webhooks.get()).values.reduce((s, v) => s + v.value, 0);
    expect(webhooks).toBe(50);
  });

  it("a duplicate delivery (same X-GitHub-Delivery) is processed once", async () => {
    h = await setup();
    const payload = example("workflow_run", "completed", 2);
    const repo = payload.repository.full_name as string;
    const sha = payload.workflow_run.head_sha as string;
    payload.workflow_run.pull_requests[0].base.repo.id = payload.repository.id;
    payload.workflow_run.head_branch = "feature";
    token(h.api);
    h.api
      .get(`/repos/${repo}/pulls/2`)
      .times(2)
      .optionally()
      .reply(200, pullJson(repo, 2, "master", sha));
    evaluationOf(h, repo, 2, "master", sha);
    evaluationOf(h, repo, 2, "master", sha);
    const runs = checkRunWrites(h.api, repo);

    await h.deliver("workflow_run", payload, "same-delivery");
    await h.deliver("workflow_run", payload, "same-delivery");

    expect(runs.filter((r) => r.status === "completed")).toHaveLength(1);
    expect((await h.runtime.metrics.duplicateDeliveries.get()).values[0]?.value).toBe(1);
  });
});

describe("check_run and check_suite", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("check_run.rerequested on the App's run: re-evaluates the PR its external_id names", async () => {
    h = await setup();
    const payload = example("check_run", "rerequested");
    const repo = payload.repository.full_name as string;
    const sha = payload.check_run.head_sha as string;
    payload.check_run.app.id = APP_ID;
    payload.check_run.external_id = "readiness;ctx=pull_request;pr=7";
    token(h.api);
    h.api.get(`/repos/${repo}/pulls/7`).reply(200, pullJson(repo, 7, "master", sha));
    policy(h.api, repo, "master", RELEASE_POLICY);
    policy(h.api, repo, sha, RELEASE_POLICY);
    existingCheckRun(h.api, repo, sha, { id: 77 });
    tree(h.api, repo, sha, ["README.md", "CHANGELOG.md"]);
    comments(h.api, repo, 7);
    commentWrites(h.api, repo, 7);
    const runs = checkRunWrites(h.api, repo);

    await h.deliver("check_run", payload);

    // The old run (completed failure) is frozen by GitHub: the new result supersedes it as a new run.
    expect(runs.map((r) => r._method)).toEqual(["POST"]);
    expect(runs[0]).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("check_run.rerequested on another app's run: ignored without a single request", async () => {
    h = await setup();
    const payload = example("check_run", "rerequested");
    payload.check_run.app.id = 4242;

    await h.deliver("check_run", payload);

    expect(h.recorder.requests).toHaveLength(0);
  });

  it("check_run.requested_action 'Re-evaluate' re-evaluates; another action identifier does nothing", async () => {
    h = await setup();
    const payload = example("check_run", "requested_action");
    const repo = payload.repository.full_name as string;
    const sha = payload.check_run.head_sha as string;
    payload.check_run.app.id = APP_ID;
    payload.check_run.external_id = "readiness;ctx=pull_request;pr=26764";

    payload.requested_action = { identifier: "something-else" };
    await h.deliver("check_run", payload);
    expect(h.recorder.requests).toHaveLength(0);

    payload.requested_action = { identifier: "reevaluate" };
    token(h.api);
    h.api.get(`/repos/${repo}/pulls/26764`).reply(200, pullJson(repo, 26764, "master", sha));
    policy(h.api, repo, "master", RELEASE_POLICY);
    policy(h.api, repo, sha, RELEASE_POLICY);
    existingCheckRun(h.api, repo, sha, { id: 77 });
    tree(h.api, repo, sha, []);
    comments(h.api, repo, 26764);
    commentWrites(h.api, repo, 26764);
    const runs = checkRunWrites(h.api, repo);
    await h.deliver("check_run", payload, "action-2");

    expect(runs[runs.length - 1]).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("check_suite.rerequested: finds the App's run on the commit and re-evaluates what it was for", async () => {
    h = await setup();
    const payload = example("check_suite", "rerequested");
    const repo = payload.repository.full_name as string;
    const sha = payload.check_suite.head_sha as string;
    payload.check_suite.app.id = APP_ID;
    token(h.api);
    policy(h.api, repo, "master", RELEASE_POLICY); // the default branch's, for the check name
    existingCheckRun(h.api, repo, sha, { id: 77, external_id: "readiness;ctx=pull_request;pr=2" });
    h.api.get(`/repos/${repo}/pulls/2`).reply(200, pullJson(repo, 2, "master", sha));
    policy(h.api, repo, "master", RELEASE_POLICY);
    policy(h.api, repo, sha, RELEASE_POLICY);
    existingCheckRun(h.api, repo, sha, { id: 77, external_id: "readiness;ctx=pull_request;pr=2" });
    tree(h.api, repo, sha, ["README.md", "CHANGELOG.md"]);
    comments(h.api, repo, 2);
    commentWrites(h.api, repo, 2);
    const runs = checkRunWrites(h.api, repo);

    await h.deliver("check_suite", payload);

    expect(runs[runs.length - 1]).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("check_suite.rerequested for another app's suite: ignored", async () => {
    h = await setup();
    await h.deliver("check_suite", example("check_suite", "rerequested"));
    expect(h.recorder.requests).toHaveLength(0);
  });
});

describe("push", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("to the default branch changing .readiness.yml: re-evaluates the open release PRs into it", async () => {
    h = await setup();
    const payload = example("push", undefined, 4);
    const repo = payload.repository.full_name as string;
    expect(payload.ref).toBe(`refs/heads/${payload.repository.default_branch}`);
    payload.commits[0].modified = [".readiness.yml"];
    const sha = "f".repeat(40);
    token(h.api);
    h.api
      .get(`/repos/${repo}/pulls`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [pullJson(repo, 8, "master", sha), pullJson(repo, 9, "develop", "0".repeat(40))]);
    policy(h.api, repo, "master", RELEASE_POLICY);
    evaluationOf(h, repo, 8, "master", sha);
    const runs = checkRunWrites(h.api, repo);

    await h.deliver("push", payload);

    expect(runs.filter((r) => r._method === "POST").map((r) => r.head_sha)).toEqual([sha]);
  });

  it("a push that does not touch the policy: nothing to do, no request", async () => {
    h = await setup();
    await h.deliver("push", example("push", undefined, 4));
    expect(h.recorder.requests).toHaveLength(0);
  });
});
