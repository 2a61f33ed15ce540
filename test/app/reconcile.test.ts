// Reconcile: how missed webhooks heal and time-dependent results get rewritten.
import { afterEach, describe, expect, it } from "vitest";
import { commentHash } from "../../src/app/publish/comment.js";
import { reconcileMain } from "../../src/app/reconcile-cli.js";
import { COMMENT_MARKER } from "../../src/report/markdown.js";
import {
  APP_ID,
  checkRunWrites,
  comments,
  commentWrites,
  existingCheckRun,
  type Harness,
  noCheckRun,
  PRIVATE_KEY,
  policy,
  RELEASE_POLICY,
  setup,
  teardown,
  token,
  tree,
} from "./harness.js";

const REPO = "octo/app";
const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

function pull(number: number, base: string, sha: string, labels: string[] = []) {
  return {
    id: number,
    number,
    state: "open",
    draft: false,
    user: { login: "dev" },
    labels: labels.map((name) => ({ name })),
    base: { ref: base, sha: "0".repeat(40) },
    head: { ref: `f${number}`, sha },
  };
}

function installation(h: Harness, prs: unknown[]) {
  h.api
    .get("/app/installations")
    .query(true)
    .reply(200, [{ id: 1, account: { login: "octo" } }]);
  token(h.api);
  h.api
    .get("/installation/repositories")
    .query(true)
    .reply(200, {
      total_count: 1,
      repositories: [
        { id: 9, name: "app", owner: { login: "octo" }, default_branch: "main", archived: false },
      ],
    });
  h.api.get(`/repos/${REPO}/pulls`).query({ state: "open", per_page: "100" }).reply(200, prs);
  // No deployment waits (test/store/reconcile-gates.test.ts has those).
  h.api
    .get(`/repos/${REPO}/actions/runs`)
    .query({ status: "waiting", per_page: "100" })
    .reply(200, { total_count: 0, workflow_runs: [] });
}

describe("reconcile", () => {
  let h: Harness | undefined;
  afterEach(() => {
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("re-evaluates gated PRs whose check run was left in_progress or never written; leaves settled ones", async () => {
    h = await setup();
    installation(h, [
      pull(1, "release/1", A),
      pull(2, "release/1", B),
      pull(3, "main", C),
      pull(4, "main", "d".repeat(40), ["release"]),
    ]);
    policy(h.api, REPO, "release/1", RELEASE_POLICY);
    policy(h.api, REPO, "main", RELEASE_POLICY);
    existingCheckRun(h.api, REPO, A, {
      id: 70,
      status: "completed",
      conclusion: "success",
      external_id: "readiness;ctx=pull_request;pr=1",
    });
    existingCheckRun(h.api, REPO, B, { id: 77, status: "in_progress", conclusion: null });
    noCheckRun(h.api, REPO, "d".repeat(40));
    // PR 2 (left in_progress) and PR 4 (no run: a missed webhook) are evaluated again.
    for (const [n, sha, base] of [
      [2, B, "release/1"],
      [4, "d".repeat(40), "main"],
    ] as const) {
      policy(h.api, REPO, base, RELEASE_POLICY);
      policy(h.api, REPO, sha, RELEASE_POLICY);
      tree(h.api, REPO, sha, ["README.md"]);
      comments(h.api, REPO, n);
      commentWrites(h.api, REPO, n);
    }
    existingCheckRun(h.api, REPO, B, { id: 77, status: "in_progress", conclusion: null });
    noCheckRun(h.api, REPO, "d".repeat(40));
    const runs = checkRunWrites(h.api, REPO);

    const summary = await h.runtime.reconcileNow();
    await h.runtime.idle();

    expect(summary).toMatchObject({
      installations: 1,
      repositories: 1,
      pullRequests: 4,
      gated: 3,
      reevaluated: 2,
      upToDate: 1,
    });
    expect(summary.decisions).toEqual([
      "octo/app#2: its check run was left in_progress",
      "octo/app#4: no check run on its head commit (a missed webhook?)",
    ]);
    expect(runs.filter((r) => r.status === "completed")).toHaveLength(2);
  });

  it("heals a sticky comment that is missing or not the one its completed run records; a matching one is left alone", async () => {
    h = await setup();
    installation(h, [pull(1, "release/1", A), pull(2, "release/1", B), pull(3, "release/1", C)]);
    policy(h.api, REPO, "release/1", RELEASE_POLICY);
    policy(h.api, REPO, "main", RELEASE_POLICY);
    const written = `${COMMENT_MARKER}\n### GO\n`;
    const ours = (id: number, body: string) => ({
      id,
      body,
      user: { type: "Bot", login: "readiness-gate[bot]" },
      performed_via_github_app: { id: APP_ID },
    });
    const settled = (n: number, sha: string, id: number) =>
      existingCheckRun(h!.api, REPO, sha, {
        id,
        status: "completed",
        conclusion: "success",
        external_id: `readiness;ctx=pull_request;pr=${n};fp=0123456789abcdef;cm=${n}:${commentHash(written)}`,
      });
    settled(1, A, 71);
    settled(2, B, 72);
    settled(3, C, 73);
    // GitHub gives the body back with CRLF line ends: still the comment the run records.
    comments(h.api, REPO, 1, [ours(11, written.replace(/\n/g, "\r\n"))]);
    // PR 2's comment write failed after its run was written; PR 3's still says what an earlier head got.
    comments(h.api, REPO, 2, []);
    comments(h.api, REPO, 3, [ours(13, `${COMMENT_MARKER}\n### NO-GO\n`)]);
    const healed: Record<number, ReturnType<typeof commentWrites>> = {};
    for (const [n, sha, id] of [
      [2, B, 72],
      [3, C, 73],
    ] as const) {
      // The evaluation reads the base's policy and, for the run's name, the default branch's.
      policy(h.api, REPO, "release/1", RELEASE_POLICY);
      policy(h.api, REPO, "main", RELEASE_POLICY);
      policy(h.api, REPO, sha, RELEASE_POLICY);
      settled(n, sha, id);
      tree(h.api, REPO, sha, ["README.md", "CHANGELOG.md"]);
      healed[n] = commentWrites(h.api, REPO, n);
    }
    const runs = checkRunWrites(h.api, REPO);

    const summary = await h.runtime.reconcileNow();
    await h.runtime.idle();

    expect(summary.decisions).toEqual([
      "octo/app#2: its sticky comment is missing",
      "octo/app#3: its sticky comment is out of date",
    ]);
    expect(summary).toMatchObject({ gated: 3, reevaluated: 2, upToDate: 1 });
    // PR 1: one listing, no write.
    const pr1 = h.recorder.requests.filter((r) => /\/issues\/(1\/|comments\/11$)/.test(r.path));
    expect(pr1.map((r) => r.method)).toEqual(["GET"]);
    // PR 2's comment created, PR 3's edited (the stand-in's PATCH route is one for every comment id).
    const writes = [...healed[2]!, ...healed[3]!].sort((x, y) => x.seq - y.seq);
    expect(writes.map((w) => [w.method, /pull request \\#(\d+)/.exec(w.body)?.[1]])).toEqual([
      ["POST", "2"],
      ["PATCH", "3"],
    ]);
    // Each new run records the comment written after it (the runs here had a made-up fingerprint).
    expect(runs.map((r) => String(r.external_id).replace(/^.*;cm=/, ""))).toEqual([
      `2:${commentHash(writes[0]!.body)}`,
      `3:${commentHash(writes[1]!.body)}`,
    ]);
  });

  it("a policy whose result changes with time (maxAgeDays, waivers): its gated PRs are re-evaluated every pass", async () => {
    h = await setup();
    const timed = RELEASE_POLICY.replace(
      "file: { path: CHANGELOG.md }",
      "file: { path: CHANGELOG.md, maxAgeDays: 30 }",
    );
    installation(h, [pull(1, "release/1", A)]);
    policy(h.api, REPO, "release/1", timed);

    const summary = await h.runtime.reconcileNow({ dryRun: true });

    expect(summary.decisions).toEqual(["octo/app#1: the policy has waivers or maxAgeDays limits"]);
    expect(h.recorder.requests.some((r) => r.method !== "GET" && !r.path.includes("access_tokens"))).toBe(
      false,
    );
  });

  it("`readiness reconcile --dry-run` prints what it would re-evaluate and a summary", async () => {
    h = await setup();
    installation(h, [pull(2, "release/1", B)]);
    policy(h.api, REPO, "release/1", RELEASE_POLICY);
    // The run's name is the default branch's policy's.
    policy(h.api, REPO, "main", RELEASE_POLICY);
    existingCheckRun(h.api, REPO, B, { id: 77, status: "in_progress", conclusion: null });
    // The command proves the App's credentials first.
    h.api.get("/app").reply(200, { id: APP_ID, slug: "readiness-gate" });
    let out = "";
    let err = "";
    const code = await reconcileMain(["--dry-run"], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { APP_ID: String(APP_ID), PRIVATE_KEY, LOG_LEVEL: "silent" },
    });
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain("would re-evaluate octo/app#2: its check run was left in_progress");
    expect(out).toMatch(
      /reconcile: 1 installation\(s\), 1 repositories, 1 gated of 1 open pull requests: 1 to re-evaluate/,
    );
  });

  it("`readiness reconcile` refuses unknown arguments and missing settings with exit code 2", async () => {
    let err = "";
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env: {} };
    expect(await reconcileMain(["--bogus"], io)).toBe(2);
    expect(err).toContain("unknown argument: --bogus");
    err = "";
    expect(await reconcileMain([], io)).toBe(2);
    expect(err).toContain("APP_ID is not set");
  });
});
