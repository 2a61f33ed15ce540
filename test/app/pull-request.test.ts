import { afterEach, describe, expect, it } from "vitest";
import { commentHash } from "../../src/app/publish/comment.js";
import { COMMENT_MARKER } from "../../src/report/markdown.js";
import {
  appRuns,
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

const REPO = "Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

function releasePr(action: string, pick = 0) {
  const payload = example("pull_request", action, pick);
  payload.pull_request.labels = [{ id: 1, name: "release", color: "ededed", default: false }];
  return payload;
}

describe("pull_request", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("opened on a release PR: one write creates the check run completed GO, one posts the sticky comment", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, RELEASE_POLICY);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, ["README.md", "CHANGELOG.md", "src/index.ts"]);
    comments(h.api, REPO, 2);
    const posted = commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("opened", 1));

    // Nothing was pending and nothing to hide: no "Evaluating…" first, the run is created with its result.
    expect(runs).toHaveLength(1);
    const done = runs[0]!;
    expect(done).toMatchObject({
      _method: "POST",
      name: "Production readiness",
      head_sha: HEAD,
      status: "completed",
      conclusion: "success",
      actions: [{ label: "Re-evaluate", identifier: "reevaluate" }],
    });
    // The run records the comment it goes with, so reconcile can heal a comment whose write failed.
    expect(done.external_id).toMatch(
      /^readiness;ctx=pull_request;pr=2;b=master;fp=[0-9a-f]+;cm=2:[0-9a-f]{12}$/,
    );
    expect(done.output.title).toBe("GO · 100/100");
    expect(Buffer.byteLength(done.output.summary)).toBeLessThan(65_535);
    expect(done.output.summary).toContain("README");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.method).toBe("POST");
    expect(posted[0]!.body).toContain(COMMENT_MARKER);
    expect(posted[0]!.body).toMatch(/GO/);
    // The comment links the PR's checks (the run did not exist yet when it was written).
    expect(posted[0]!.body).toMatch(/\[Full report\]\(https:\/\/github\.com\/[^)]+\/pull\/2\/checks\)/);
    expect(done.external_id).toContain(`;cm=2:${commentHash(posted[0]!.body)}`);
    // The run first: it completes without waiting a write-throttle slot behind the comment.
    expect(done._seq).toBeLessThan(posted[0]!.seq);
    expect(h.api.isDone()).toBe(true);
  });

  it("synchronize with a required file missing: NO-GO, failure, the comment says what blocks", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, RELEASE_POLICY);
    existingCheckRun(h.api, REPO, HEAD, { id: 77, conclusion: "success" });
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, ["CHANGELOG.md"]);
    comments(h.api, REPO, 2);
    const posted = commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("synchronize"));

    // Found again by name and app id. GitHub freezes a completed run, so the changed result (success →
    // failure) is written as one new run of the same name, which supersedes it; the old one is never patched.
    expect(runs).toHaveLength(1);
    const done = runs[0]!;
    expect(done).toMatchObject({ _method: "POST", status: "completed", conclusion: "failure" });
    expect(done.output.title).toMatch(/^NO-GO · \d+(\.\d)?\/100 \(needs 80\)$/);
    expect(posted[0]!.body).toContain("README");
  });

  it("warn mode: NO-GO completes neutral", async () => {
    h = await setup();
    const warn = RELEASE_POLICY.replace("minScore: 80", "minScore: 80\n  mode: warn");
    token(h.api);
    policy(h.api, REPO, "master", warn);
    policy(h.api, REPO, HEAD, warn);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, []);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("reopened"));

    expect(runs[runs.length - 1]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(runs[runs.length - 1]!.output.title).toContain("warn mode");
  });

  it("ready_for_review: evaluated like any other release PR event", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, RELEASE_POLICY);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, ["README.md", "CHANGELOG.md"]);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("ready_for_review", 1));

    expect(runs[runs.length - 1]).toMatchObject({ conclusion: "success" });
  });

  it("the sticky comment is edited only when its content changes", async () => {
    h = await setup();
    // First evaluation writes the comment; capture it to serve it back as the App's own.
    token(h.api);
    for (let i = 0; i < 2; i++) {
      policy(h.api, REPO, "master", RELEASE_POLICY);
      policy(h.api, REPO, HEAD, RELEASE_POLICY);
      tree(h.api, REPO, HEAD, ["README.md", "CHANGELOG.md"]);
    }
    noCheckRun(h.api, REPO, HEAD);
    existingCheckRun(h.api, REPO, HEAD, { id: 77 });
    checkRunWrites(h.api, REPO);
    const posted = commentWrites(h.api, REPO, 2);
    h.api.get(`/repos/${REPO}/issues/2/comments`).query(true).times(2).reply(200, []);

    await h.deliver("pull_request", releasePr("opened", 1));
    expect(posted).toHaveLength(1);
    const mine = {
      id: 9001,
      body: posted[0]!.body,
      user: { login: "readiness-gate[bot]", type: "Bot" },
      performed_via_github_app: { id: 123 },
    };
    // Someone quoting the marker is not the App: only the App's own comment is reused.
    const quote = {
      id: 5,
      body: `> ${COMMENT_MARKER}`,
      user: { login: "octocat", type: "User" },
      performed_via_github_app: null,
    };
    h.api.get(`/repos/${REPO}/issues/2/comments`).query(true).times(2).reply(200, [quote, mine]);

    await h.deliver("pull_request", releasePr("synchronize"));
    expect(posted).toHaveLength(1);
  });

  it("re-evaluating a commit whose result did not change writes no check run at all", async () => {
    h = await setup();
    token(h.api);
    for (let i = 0; i < 2; i++) {
      policy(h.api, REPO, "master", RELEASE_POLICY);
      policy(h.api, REPO, HEAD, RELEASE_POLICY);
      tree(h.api, REPO, HEAD, ["README.md", "CHANGELOG.md"]);
    }
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);
    await h.deliver("pull_request", releasePr("opened", 1));
    const written = runs[runs.length - 1]!;
    expect(written.external_id).toMatch(
      /^readiness;ctx=pull_request;pr=2;b=master;fp=[0-9a-f]{16};cm=2:[0-9a-f]{12}$/,
    );

    // GitHub now lists the completed run with the external_id the App wrote; a later evaluation (another
    // clock time, same evidence) recognises its result and leaves the run alone.
    existingCheckRun(h.api, REPO, HEAD, { id: 77, conclusion: "success", external_id: written.external_id });
    const before = runs.length;
    await h.deliver("pull_request", releasePr("synchronize"));
    expect(runs.length).toBe(before);
  });

  it("labeled: a PR that gains the release label is evaluated", async () => {
    h = await setup();
    const payload = releasePr("labeled");
    payload.label = { id: 1, name: "release" };
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, RELEASE_POLICY);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, ["README.md"]);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", payload);

    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ _method: "POST", status: "completed" });
  });

  it("unlabeled: a PR that left the gate gets its old result neutralised, nothing evaluated", async () => {
    h = await setup();
    const payload = example("pull_request", "unlabeled");
    payload.pull_request.labels = [];
    payload.label = { id: 1, name: "release" };
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    existingCheckRun(h.api, REPO, HEAD, { id: 77, conclusion: "failure" });
    const runs = checkRunWrites(h.api, REPO);

    await h.deliver("pull_request", payload);

    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      _method: "POST",
      conclusion: "neutral",
      output: { title: "Not gated" },
    });
  });

  it("edited with a base change to a release branch: evaluated with the NEW base's policy", async () => {
    h = await setup();
    const payload = example("pull_request", "opened", 1);
    payload.action = "edited";
    payload.changes = {
      base: { ref: { from: "master" }, sha: { from: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e" } },
    };
    payload.pull_request.base.ref = "release/1.0";
    payload.pull_request.labels = [];
    token(h.api);
    policy(h.api, REPO, "release/1.0", RELEASE_POLICY);
    // The run's name comes from the default branch's policy only.
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, RELEASE_POLICY);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, ["README.md", "CHANGELOG.md"]);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", payload);

    expect(runs[runs.length - 1]).toMatchObject({ conclusion: "success" });
  });

  it("edited without a base change (title, body): ignored, no request at all", async () => {
    h = await setup();
    const payload = releasePr("opened", 1);
    payload.action = "edited";
    payload.changes = { title: { from: "old title" } };

    await h.deliver("pull_request", payload);

    expect(h.recorder.requests).toHaveLength(0);
  });

  it("a PR the base policy does not gate (no label, base master): read the policy, write nothing", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);

    await h.deliver("pull_request", example("pull_request", "opened", 1));

    expect(
      h.recorder.requests.filter((r) => r.method !== "GET" && !r.path.includes("access_tokens")),
    ).toEqual([]);
  });

  it("no policy anywhere (repository, .github/, organisation): silent, no write", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", null);

    await h.deliver("pull_request", releasePr("opened", 1));

    expect(h.api.isDone()).toBe(true);
    expect(
      h.recorder.requests.filter((r) => r.method !== "GET" && !r.path.includes("access_tokens")),
    ).toEqual([]);
  });

  it("a policy from the organisation's .github repository is read once: the head check looks only in the PR's tree", async () => {
    h = await setup();
    token(h.api);
    const notFound = { message: "Not Found" };
    for (const ref of ["master", HEAD]) {
      h.api.get(`/repos/${REPO}/contents/.readiness.yml`).query({ ref }).reply(404, notFound);
      h.api.get(`/repos/${REPO}/contents/.github%2Freadiness.yml`).query({ ref }).reply(404, notFound);
    }
    let orgReads = 0;
    h.api
      .get("/repos/Codertocat/.github/contents/.readiness.yml")
      .times(5)
      .reply(() => {
        orgReads++;
        return [200, RELEASE_POLICY, { "content-type": "application/vnd.github.raw; charset=utf-8" }];
      });
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, ["README.md", "CHANGELOG.md"]);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("opened", 1));

    expect(runs[runs.length - 1]).toMatchObject({ status: "completed" });
    expect(orgReads).toBe(1);
  });

  it("a repository without a policy costs no request on the next event for a while", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", null);
    await h.deliver("pull_request", releasePr("opened", 1));
    const asked = h.recorder.requests.length;

    await h.deliver("pull_request", releasePr("synchronize"));

    expect(h.recorder.requests.length).toBe(asked);
  });

  it("the head's policy cannot loosen the gate: the base policy is the one evaluated", async () => {
    h = await setup();
    const loose = "version: 1\napplies:\n  pullRequests: false\ngate:\n  minScore: 0\n";
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, loose);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, []);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("opened", 1));

    expect(runs[runs.length - 1]).toMatchObject({ conclusion: "failure" });
  });

  it("invalid base policy: check run fails with the errors as annotations on the policy file's lines", async () => {
    h = await setup();
    const broken =
      "version: 1\ngate:\n  minScore: 180\nchecks:\n  readme:\n    file: { path: README.md, bogus: 1 }\n";
    token(h.api);
    policy(h.api, REPO, "master", broken);
    noCheckRun(h.api, REPO, HEAD);
    // The configured name is unknown while the policy does not validate: a GO under another name is looked for.
    appRuns(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);

    await h.deliver("pull_request", releasePr("opened", 1));

    const done = runs[runs.length - 1]!;
    expect(done).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(done.output.title).toMatch(/^Invalid policy: \d+ problems? in \.readiness\.yml$/);
    const annotations = runs.flatMap((r) => r.output?.annotations ?? []);
    expect(annotations.length).toBeGreaterThanOrEqual(2);
    for (const a of annotations)
      expect(a).toMatchObject({ path: ".readiness.yml", annotation_level: "failure" });
    expect(annotations.map((a: { start_line: number }) => a.start_line)).toEqual(
      expect.arrayContaining([3, 6]),
    );
  });

  it("invalid base policy: a GO left under a custom checkName fails too, so it cannot keep the PR mergeable", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", "version: 1\ngate: { checkName: Custom gate, minScore: 180 }\n");
    noCheckRun(h.api, REPO, HEAD);
    appRuns(h.api, REPO, HEAD, [
      { id: 90, name: "Custom gate", conclusion: "success" },
      { id: 91, name: "Production readiness", conclusion: "failure" },
    ]);
    const runs = checkRunWrites(h.api, REPO);

    await h.deliver("pull_request", releasePr("opened", 1));

    const custom = runs.filter((r) => r.name === "Custom gate");
    expect(custom).toHaveLength(1);
    expect(custom[0]).toMatchObject({ _method: "POST", status: "completed", conclusion: "failure" });
    expect(custom[0]?.output.title).toMatch(/^Invalid policy/);
    expect(runs.every((r) => r.conclusion !== "success")).toBe(true);
  });

  it("a PR that changes the policy: its head version is validated strictly and annotated", async () => {
    h = await setup();
    const headBroken = `${RELEASE_POLICY}  extra:\n    file: { path: X, nope: true }\n`;
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, headBroken);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    tree(h.api, REPO, HEAD, ["README.md", "CHANGELOG.md"]);
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("synchronize"));

    const done = runs[runs.length - 1]!;
    // The base policy says GO, but the policy this PR would merge is broken: failure, annotated.
    expect(done).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(done.output.title).toContain("policy in this PR is invalid");
    expect(done.output.summary).toContain("does not validate");
    expect(done.output.annotations?.[0]).toMatchObject({ path: ".readiness.yml", start_line: 15 });
  });

  it("GitHub unreachable: the check run fails with 'Could not evaluate', never success", async () => {
    h = await setup();
    token(h.api);
    h.api
      .get(`/repos/${REPO}/contents/.readiness.yml`)
      .query({ ref: "master" })
      .reply(502, { message: "Bad Gateway" });
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);

    await h.deliver("pull_request", releasePr("opened", 1));

    const done = runs[runs.length - 1]!;
    expect(done).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Could not evaluate" },
    });
    expect(done.output.summary).toMatch(/could not evaluate/i);
  });

  it("evidence unreachable mid-evaluation: no check can tell, so 'Could not evaluate' and failure", async () => {
    h = await setup();
    token(h.api);
    policy(h.api, REPO, "master", RELEASE_POLICY);
    policy(h.api, REPO, HEAD, RELEASE_POLICY);
    noCheckRun(h.api, REPO, HEAD);
    const runs = checkRunWrites(h.api, REPO);
    h.api.get(`/repos/${REPO}/git/trees/${HEAD}`).query(true).times(3).reply(503, { message: "unavailable" });
    comments(h.api, REPO, 2);
    commentWrites(h.api, REPO, 2);

    await h.deliver("pull_request", releasePr("opened", 1));

    const done = runs[runs.length - 1]!;
    expect(done.conclusion).toBe("failure");
    expect(done.output.title).toMatch(/^Could not evaluate/);
  });
});
