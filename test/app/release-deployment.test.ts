// release and deployment_protection_rule: what each causes.
import { afterEach, describe, expect, it } from "vitest";
import {
  type Body,
  checkRunWrites,
  comments,
  example,
  type Harness,
  noCheckRun,
  policy,
  RELEASE_POLICY,
  setup,
  teardown,
  token,
  tree,
} from "./harness.js";

const REPO = "Codertocat/Hello-World";
const TAG_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
// Releases and deployments have runs of their own names: they never stand for a pull request's verdict.
const RELEASE_RUN = "Production readiness (release)";
const DEPLOY_RUN = "Production readiness (deployment: production)";
const DRAFTING = RELEASE_POLICY.replace("minScore: 80", "minScore: 80\n  onRelease: draft");

function tagRef(h: Harness, tag: string, sha: string) {
  h.api.get(`/repos/${REPO}/git/ref/tags%2F${tag}`).reply(200, {
    ref: `refs/tags/${tag}`,
    object: { type: "commit", sha },
  });
}

function mergedPr(number: number, sha: string) {
  return {
    id: number,
    number,
    state: "closed",
    merged_at: "2026-11-19T10:00:00Z",
    html_url: `https://github.com/${REPO}/pull/${number}`,
    user: { login: "octocat" },
    labels: [],
    base: { ref: "master", sha: "b".repeat(40) },
    head: { ref: "release-1", sha },
  };
}

describe("release", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("published, NO-GO, onRelease: draft: check run fails, release turned back into a draft, explained on its PR", async () => {
    h = await setup();
    const payload = example("release", "published");
    token(h.api);
    policy(h.api, REPO, "master", DRAFTING);
    tagRef(h, "0.0.1", TAG_SHA);
    noCheckRun(h.api, REPO, TAG_SHA, RELEASE_RUN);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, TAG_SHA, []);
    h.api
      .get(`/repos/${REPO}/commits/${TAG_SHA}/pulls`)
      .query(true)
      .times(2)
      .reply(200, [mergedPr(12, TAG_SHA)]);
    comments(h.api, REPO, 12);
    const drafts: Body[] = [];
    h.api
      .patch(`/repos/${REPO}/releases/17372790`, (b) => {
        drafts.push(b);
        return true;
      })
      .reply(200, { id: 17372790, draft: true });
    const explained: Body[] = [];
    h.api
      .post(`/repos/${REPO}/issues/12/comments`, (b) => {
        explained.push(b);
        return true;
      })
      .reply(201, { id: 1 });

    await h.deliver("release", payload);

    // One write: the run is created with its result.
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      _method: "POST",
      head_sha: TAG_SHA,
      status: "completed",
      conclusion: "failure",
    });
    expect(runs[0]!.external_id).toMatch(/^readiness;ctx=release;release=17372790;/);
    expect(drafts).toEqual([{ draft: true }]);
    expect(explained[0]!.body).toContain("<!-- readiness-gate:release:17372790 -->");
    expect(explained[0]!.body).toContain("turned the release back into a draft");
    expect(explained[0]!.body).toContain("README");
  });

  it("published, could not evaluate (the tag cannot be read), onRelease: draft: held back all the same", async () => {
    h = await setup();
    const payload = example("release", "published");
    token(h.api);
    policy(h.api, REPO, "master", DRAFTING);
    h.api.get(`/repos/${REPO}/git/ref/tags%2F0.0.1`).reply(502, { message: "Bad Gateway" });
    const drafts: Body[] = [];
    h.api
      .patch(`/repos/${REPO}/releases/17372790`, (b) => {
        drafts.push(b);
        return true;
      })
      .reply(200, { id: 17372790, draft: true });

    await h.deliver("release", payload);

    expect(drafts).toEqual([{ draft: true }]);
  });

  it("published, NO-GO, no PR brought the commit in: the explanation goes to an issue kept per release", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", DRAFTING);
    tagRef(h, "0.0.1", TAG_SHA);
    noCheckRun(h.api, REPO, TAG_SHA, RELEASE_RUN);
    checkRunWrites(h.api, REPO);
    tree(h.api, REPO, TAG_SHA, []);
    h.api.get(`/repos/${REPO}/commits/${TAG_SHA}/pulls`).query(true).times(2).reply(200, []);
    h.api.patch(`/repos/${REPO}/releases/17372790`).reply(200, { id: 17372790, draft: true });
    h.api.get(`/repos/${REPO}/issues`).query({ state: "open", per_page: "100" }).reply(200, []);
    const issues: Body[] = [];
    h.api
      .post(`/repos/${REPO}/issues`, (b) => {
        issues.push(b);
        return true;
      })
      .reply(201, { number: 40 });

    await h.deliver("release", example("release", "published"));

    expect(issues).toHaveLength(1);
    expect(issues[0]!.title).toBe("Release 0.0.1 is not ready (Readiness Gate)");
  });

  it("prereleased and GO: the check run succeeds, the release is left alone", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", DRAFTING);
    tagRef(h, "0.0.1", TAG_SHA);
    noCheckRun(h.api, REPO, TAG_SHA, RELEASE_RUN);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, TAG_SHA, ["README.md", "CHANGELOG.md"]);
    h.api.get(`/repos/${REPO}/commits/${TAG_SHA}/pulls`).query(true).reply(200, []);

    await h.deliver("release", example("release", "prereleased"));

    expect(runs[runs.length - 1]).toMatchObject({ status: "completed", conclusion: "success" });
    expect(h.recorder.count("PATCH /repos/Codertocat/Hello-World/releases")).toBe(0);
  });

  it("NO-GO with the default onRelease (report): reported on the check run only", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    tagRef(h, "0.0.1", TAG_SHA);
    noCheckRun(h.api, REPO, TAG_SHA, RELEASE_RUN);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, TAG_SHA, []);
    h.api.get(`/repos/${REPO}/commits/${TAG_SHA}/pulls`).query(true).reply(200, []);

    await h.deliver("release", example("release", "published"));

    expect(runs[runs.length - 1]).toMatchObject({ conclusion: "failure" });
    expect(
      h.recorder.requests
        .filter((r) => r.method !== "GET" && !r.path.includes("check-runs"))
        .map((r) => r.path),
    ).toEqual(["/app/installations/1/access_tokens"]);
  });
});

/**
 * @octokit/webhooks-examples has no deployment_protection_rule payload, so the real deployment.created
 * example supplies the deployment, repository, installation and sender, and the fields GitHub's webhook
 * schema (openapi-webhooks-types, webhook-deployment-protection-rule-requested) adds are set on it.
 */
function gateRequest(environment = "production", runId = 4242) {
  const base = example("deployment", "created");
  return {
    action: "requested",
    environment,
    event: "push",
    deployment_callback_url: `https://api.github.com/repos/${REPO}/actions/runs/${runId}/deployment_protection_rule`,
    deployment: { ...base.deployment, environment },
    pull_requests: [],
    repository: base.repository,
    installation: base.installation,
    sender: base.sender,
  };
}

const DEPLOY_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

function gateAnswers(h: Harness, runId = 4242): Body[] {
  const answers: Body[] = [];
  h.api
    .post(`/repos/${REPO}/actions/runs/${runId}/deployment_protection_rule`, (b) => {
      answers.push(b);
      return true;
    })
    .times(3)
    .optionally()
    .reply(204);
  return answers;
}

describe("deployment_protection_rule.requested", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("GO: approves the deployment with a comment linking the check run", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    noCheckRun(h.api, REPO, DEPLOY_SHA, DEPLOY_RUN);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, DEPLOY_SHA, ["README.md", "CHANGELOG.md"]);
    h.api.get(`/repos/${REPO}/commits/${DEPLOY_SHA}/pulls`).query(true).reply(200, []);
    const answers = gateAnswers(h);

    await h.deliver("deployment_protection_rule", gateRequest());

    expect(runs[0]!.external_id).toMatch(/^readiness;ctx=deployment;env=production;/);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ environment_name: "production", state: "approved" });
    expect(answers[0]!.comment).toContain("https://github.com/Codertocat/Hello-World/runs/77");
    expect(answers[0]!.comment.length).toBeLessThanOrEqual(1024);
  });

  it("NO-GO: rejects the deployment, naming what blocks", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    noCheckRun(h.api, REPO, DEPLOY_SHA, DEPLOY_RUN);
    checkRunWrites(h.api, REPO);
    tree(h.api, REPO, DEPLOY_SHA, []);
    h.api.get(`/repos/${REPO}/commits/${DEPLOY_SHA}/pulls`).query(true).reply(200, []);
    const answers = gateAnswers(h);

    await h.deliver("deployment_protection_rule", gateRequest());

    expect(answers).toEqual([
      expect.objectContaining({
        environment_name: "production",
        state: "rejected",
        comment: expect.stringContaining("readme"),
      }),
    ]);
  });

  it("an environment the policy does not list: rejected with the fix, never approved unevaluated", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    const answers = gateAnswers(h);

    await h.deliver("deployment_protection_rule", gateRequest("staging"));

    expect(answers).toEqual([expect.objectContaining({ environment_name: "staging", state: "rejected" })]);
    expect(answers[0]!.comment).toContain("does not list it");
    expect(h.recorder.count("POST /repos/Codertocat/Hello-World/check-runs")).toBe(0);
  });

  it("pending (a required workflow still running): a status comment, then approved once the run completes", async () => {
    h = await setup();
    const ci = `${RELEASE_POLICY}  ci:\n    required: true\n    workflow: { file: ci.yml }\n`;
    const run = (status: string, conclusion: string | null) => ({
      total_count: 1,
      workflow_runs: [
        {
          id: 555,
          name: "CI",
          path: ".github/workflows/ci.yml",
          head_sha: DEPLOY_SHA,
          head_branch: "master",
          event: "push",
          status,
          conclusion,
          created_at: "2026-11-20T11:50:00Z",
          updated_at: "2026-11-20T11:55:00Z",
          run_started_at: "2026-11-20T11:50:00Z",
          html_url: `https://github.com/${REPO}/actions/runs/555`,
        },
      ],
    });
    token(h.api);
    policy(h.api, REPO, "master", ci);
    noCheckRun(h.api, REPO, DEPLOY_SHA, DEPLOY_RUN);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, DEPLOY_SHA, ["README.md", "CHANGELOG.md"]);
    h.api.get(`/repos/${REPO}/commits/${DEPLOY_SHA}/pulls`).query(true).times(2).reply(200, []);
    h.api.get(`/repos/${REPO}/actions/runs`).query(true).reply(200, run("in_progress", null));
    // The default branch's workflow files, which the deployed commit's are compared with (neither has any).
    h.api.get(`/repos/${REPO}/contents/.github%2Fworkflows`).query(true).times(2).reply(200, []);
    const answers = gateAnswers(h);

    await h.deliver("deployment_protection_rule", gateRequest());

    expect(answers).toHaveLength(1);
    expect(answers[0]!.state).toBeUndefined();
    expect(answers[0]!.comment).toContain("Waiting for ci");
    const pending = runs[runs.length - 1]!;
    expect(pending).toMatchObject({ status: "in_progress" });
    expect(pending.conclusion).toBeUndefined();
    expect(pending.output.title).toMatch(/^Pending · .* waiting for ci$/);

    // The workflow finishes on that commit: the waiting gate is evaluated again and answered.
    const completed = example("workflow_run", "completed", 1);
    completed.repository = gateRequest().repository;
    completed.workflow_run.head_sha = DEPLOY_SHA;
    completed.workflow_run.head_branch = "feature";
    completed.workflow_run.pull_requests = [];
    h.api.get(`/repos/${REPO}/pulls`).query(true).reply(200, []);
    policy(h.api, REPO, "master", ci);
    h.api
      .get(`/repos/${REPO}/commits/${DEPLOY_SHA}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 1,
        check_runs: [{ id: 77, name: DEPLOY_RUN, status: "in_progress", app: { id: 123 } }],
      });
    h.api.get(`/repos/${REPO}/actions/runs`).query(true).reply(200, run("completed", "success"));

    await h.deliver("workflow_run", completed);

    expect(answers).toHaveLength(2);
    expect(answers[1]).toMatchObject({ environment_name: "production", state: "approved" });
    expect(runs[runs.length - 1]).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("no policy anywhere: rejected with the reason (GitHub would otherwise hold the job for 30 days)", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", null);
    const answers = gateAnswers(h);

    await h.deliver("deployment_protection_rule", gateRequest());

    expect(answers).toEqual([
      expect.objectContaining({ state: "rejected", comment: expect.stringContaining("no .readiness.yml") }),
    ]);
    expect(h.recorder.count("POST /repos/Codertocat/Hello-World/check-runs")).toBe(0);
  });

  it("GitHub unreachable: rejected, and the check run says it could not evaluate", async () => {
    h = await setup();
    token(h.api);
    h.api
      .get(`/repos/${REPO}/contents/.readiness.yml`)
      .query({ ref: "master" })
      .reply(500, { message: "boom" });
    noCheckRun(h.api, REPO, DEPLOY_SHA, DEPLOY_RUN);
    const runs = checkRunWrites(h.api, REPO);
    const answers = gateAnswers(h);

    await h.deliver("deployment_protection_rule", gateRequest());

    expect(runs[runs.length - 1]).toMatchObject({
      conclusion: "failure",
      output: { title: "Could not evaluate" },
    });
    expect(answers).toEqual([
      expect.objectContaining({ state: "rejected", comment: expect.stringContaining("could not evaluate") }),
    ]);
  });
});
