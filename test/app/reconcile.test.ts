// Reconcile: how missed webhooks heal and time-dependent results get rewritten.
import { afterEach, describe, expect, it } from "vitest";
import { reconcileMain } from "../../src/app/reconcile-cli.js";
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
