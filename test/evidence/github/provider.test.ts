// GitHubEvidence against a mocked api.github.com: for every need, the exact requests (checked against
// GitHub's OpenAPI description) and the answer.
import { strToU8, zipSync } from "fflate";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { FileIndex } from "../../../src/evidence/file-index.js";
import {
  type Fact,
  type Ledger,
  MAX_CONTENT_BYTES,
  type Need,
  needKey,
} from "../../../src/evidence/types.js";
import {
  blobSha,
  collectAll,
  collectOne,
  commitItem,
  deployment,
  expectDone,
  github,
  makeOctokit,
  makeProvider,
  pathHistory,
  permissionDenied,
  pullRequest,
  REPO_PATH,
  release,
  SHA,
  tree,
  workflowRun,
} from "./fixtures.js";

const fetchLedger = vi.hoisted(() => vi.fn());
vi.mock("../../../src/evidence/github/ledger.js", () => ({ fetchLedger }));

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  fetchLedger.mockReset();
});

const ok = <T>(fact: Fact<unknown>): T => {
  if (fact.state !== "ok") throw new Error(`expected ok, got unknown: ${fact.reason}`);
  return fact.value as T;
};
const reasonOf = (fact: Fact<unknown>): string => {
  if (fact.state !== "unknown") throw new Error(`expected unknown, got ${JSON.stringify(fact.value)}`);
  return fact.reason;
};

describe("files", () => {
  test("one recursive tree request; blobs only, with sizes", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, tree({ "README.md": 120, ".github/workflows/ci.yml": 400, "docs/runbook.md": 2048 }));
    const files = ok<FileIndex>(await collectOne(makeProvider(), { type: "files" }));
    expect(files).toBeInstanceOf(FileIndex);
    expect(files.paths).toEqual([".github/workflows/ci.yml", "README.md", "docs/runbook.md"]);
    expect(files.bytes("docs/runbook.md")).toBe(2048);
    expect(files.has("docs")).toBe(false);
    expect(files.truncated).toBe(false);
    expect(files.match(".github/**/*.yml")).toEqual([".github/workflows/ci.yml"]);
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("a truncated tree gives a truncated FileIndex, and no subtree is walked", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, tree({ "a.txt": 1 }, true));
    const files = ok<FileIndex>(await collectOne(makeProvider(), { type: "files" }));
    expect(files.truncated).toBe(true);
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("an unknown commit is unknown, saying so", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(404, { message: "Not Found", status: "404" });
    expect(reasonOf(await collectOne(makeProvider(), { type: "files" }))).toMatch(
      /commit 3f78685 was not found/,
    );
    expectDone(api, rec);
  });
});

describe("content", () => {
  test("with the tree: present files by blob SHA (raw), absent ones without a request", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, tree({ "SECURITY.md": 30 }));
    api
      .get(`${REPO_PATH}/git/blobs/${blobSha("SECURITY.md")}`)
      .matchHeader("accept", "application/vnd.github.raw+json")
      .reply(200, "Report to security@acme.test\n", { "content-type": "application/vnd.github.raw" });
    const [files, present, absent] = await collectAll(makeProvider(), [
      { type: "files" },
      { type: "content", path: "SECURITY.md" },
      { type: "content", path: "NOPE.md" },
    ]);
    expect(files?.state).toBe("ok");
    expect(ok(present!)).toBe("Report to security@acme.test\n");
    expect(ok(absent!)).toBeNull();
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("without a tree: the contents API at the commit, 404 → null", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/contents/docs%2Frunbook.md`)
      .query({ ref: SHA })
      .reply(200, "# Runbook", { "content-type": "text/plain; charset=utf-8" });
    api.get(`${REPO_PATH}/contents/MISSING.md`).query({ ref: SHA }).reply(404, { message: "Not Found" });
    const [doc, missing] = await collectAll(makeProvider(), [
      { type: "content", path: "docs/runbook.md" },
      { type: "content", path: "MISSING.md" },
    ]);
    expect(ok(doc!)).toBe("# Runbook");
    expect(ok(missing!)).toBeNull();
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("text is cut at MAX_CONTENT_BYTES on a character boundary; huge files are not downloaded", async () => {
    const { api, rec } = github();
    const big = `${"é".repeat(MAX_CONTENT_BYTES / 2)}tail`;
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, tree({ "big.txt": Buffer.byteLength(big), "huge.bin": 50 * 1024 * 1024 }));
    api
      .get(`${REPO_PATH}/git/blobs/${blobSha("big.txt")}`)
      .reply(200, Buffer.from(big), { "content-type": "application/vnd.github.raw" });
    const [, cut, huge] = await collectAll(makeProvider(), [
      { type: "files" },
      { type: "content", path: "big.txt" },
      { type: "content", path: "huge.bin" },
    ]);
    const text = ok<string>(cut!);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_CONTENT_BYTES);
    expect(text.endsWith("é")).toBe(true);
    expect(reasonOf(huge!)).toMatch(/huge\.bin: the file is 50\.0 MiB; files over 10\.0 MiB are not read/);
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("a path the truncated tree lacks is asked through the contents API", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/git/trees/${SHA}`)
      .query({ recursive: "1" })
      .reply(200, tree({ "a.txt": 1 }, true));
    api
      .get(`${REPO_PATH}/contents/deep%2Fb.txt`)
      .query({ ref: SHA })
      .reply(200, "b", { "content-type": "text/plain; charset=utf-8" });
    const [, b] = await collectAll(makeProvider(), [
      { type: "files" },
      { type: "content", path: "deep/b.txt" },
    ]);
    expect(ok(b!)).toBe("b");
    expectDone(api, rec);
  });
});

describe("lastChanged", () => {
  test("every path's history in one GraphQL query; never committed → null", async () => {
    const { api, rec } = github();
    pathHistory(api, SHA, "docs/runbook.md", [commitItem("2026-10-01T12:00:00Z")]);
    pathHistory(api, SHA, "ghost.md", []);
    const [runbook, ghost] = await collectAll(makeProvider(), [
      { type: "lastChanged", path: "docs/runbook.md" },
      { type: "lastChanged", path: "ghost.md" },
    ]);
    expect(ok<Date>(runbook!).toISOString()).toBe("2026-10-01T12:00:00.000Z");
    expect(ok(ghost!)).toBeNull();
    expect(rec.count("POST /graphql")).toBe(1);
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("past limits.lastChangedLookups the rest is unknown, with the reason", async () => {
    const { api, rec } = github();
    for (const p of ["a", "b"]) pathHistory(api, SHA, p, [commitItem("2026-10-01T12:00:00Z")]);
    const facts = await collectAll(
      makeProvider({ limits: { lastChangedLookups: 2 } }),
      ["a", "b", "c"].map((path): Need => ({ type: "lastChanged", path })),
    );
    expect(facts.filter((f) => f.state === "ok")).toHaveLength(2);
    expect(reasonOf(facts[2]!)).toMatch(/this evaluation already made 2 such look-ups/);
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });
});

describe("workflowRuns", () => {
  test("a pull_request run of another pull request on the commit is not evidence; a release or deployment counts none", async () => {
    const runs = {
      total_count: 3,
      workflow_runs: [
        // Another PR with the same head, into a base whose workflow file a writer controls.
        {
          ...workflowRun({ id: 9, name: "CI", created_at: "2026-11-20T12:00:00Z", event: "pull_request" }),
          pull_requests: [{ number: 7 }],
        },
        {
          ...workflowRun({
            id: 8,
            name: "CI",
            created_at: "2026-11-20T11:00:00Z",
            event: "pull_request",
            conclusion: "failure",
          }),
          pull_requests: [{ number: 42 }],
        },
        workflowRun({ id: 5, name: "CI", created_at: "2026-11-20T10:00:00Z", event: "push" }),
      ],
    };
    const ids = (f: Fact<unknown>) => ok<{ id: number }[]>(f).map((r) => r.id);
    for (const [target, expected] of [
      [pullRequest, [8, 5]],
      [deployment, [5]],
    ] as const) {
      const { api, rec } = github();
      api.get(`${REPO_PATH}/actions/runs`).query({ head_sha: SHA, per_page: "100" }).reply(200, runs);
      expect(
        ids(await collectOne(makeProvider(), { type: "workflowRuns", workflow: { name: "CI" } }, target)),
      ).toEqual(expected);
      expectDone(api, rec);
    }
  });

  test("without a branch: ONE listing of the commit's runs serves every workflow need", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/actions/runs`)
      .query({ head_sha: SHA, per_page: "100" })
      .reply(200, {
        total_count: 4,
        workflow_runs: [
          workflowRun({
            id: 4,
            name: "Deploy",
            path: ".github/workflows/deploy.yml",
            created_at: "2026-11-20T12:00:00Z",
          }),
          workflowRun({ id: 3, name: "CI", created_at: "2026-11-20T11:00:00Z", event: "pull_request" }),
          workflowRun({ id: 2, name: "CI", created_at: "2026-11-20T10:00:00Z", conclusion: "failure" }),
          workflowRun({
            id: 1,
            name: "CodeQL",
            path: "dynamic/github-code-scanning/codeql",
            created_at: "2026-11-20T09:00:00Z",
          }),
        ],
      });
    const [byName, byFile, byPath, none] = await collectAll(
      makeProvider(),
      [
        { type: "workflowRuns", workflow: { name: "CI" } },
        { type: "workflowRuns", workflow: { file: "deploy.yml" } },
        { type: "workflowRuns", workflow: { file: ".github/workflows/ci.yml" } },
        { type: "workflowRuns", workflow: { name: "Nightly" } },
      ],
      pullRequest,
    );
    const ids = (f: Fact<unknown>) => ok<{ id: number }[]>(f).map((r) => r.id);
    expect(ids(byName!)).toEqual([3, 2]);
    expect(ids(byFile!)).toEqual([4]);
    expect(ids(byPath!)).toEqual([3, 2]);
    expect(ids(none!)).toEqual([]);
    expect(ok<unknown[]>(byName!)[0]).toEqual({
      id: 3,
      name: "CI",
      path: ".github/workflows/ci.yml",
      headSha: SHA,
      branch: "main",
      event: "pull_request",
      status: "completed",
      conclusion: "success",
      createdAt: "2026-11-20T11:00:00Z",
      url: "https://github.com/acme/shop/actions/runs/3",
    });
    expect(rec.count()).toBe(1);
    expectDone(api, rec);
  });

  test("on a branch by file: the workflow's runs on that branch, limit as per_page", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/actions/workflows/ci.yml/runs`)
      .query({ branch: "main", per_page: "5", exclude_pull_requests: "true" })
      .reply(200, {
        total_count: 2,
        workflow_runs: [workflowRun({ id: 7 }), workflowRun({ id: 6, conclusion: "failure" })],
      });
    const runs = ok<{ id: number }[]>(
      await collectOne(makeProvider(), {
        type: "workflowRuns",
        workflow: { file: ".github/workflows/ci.yml" },
        branch: "main",
        limit: 5,
      }),
    );
    expect(runs.map((r) => r.id)).toEqual([7, 6]);
    expectDone(api, rec);
  });

  test("on a branch by name: the workflow list once, then runs by id; jobs only when asked", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/actions/workflows`)
      .query({ per_page: "100" })
      .reply(200, {
        total_count: 2,
        workflows: [
          { id: 11, name: "CI", path: ".github/workflows/ci.yml", state: "active" },
          { id: 12, name: "Load test", path: ".github/workflows/load.yml", state: "active" },
        ],
      });
    api
      .get(`${REPO_PATH}/actions/workflows/11/runs`)
      .query({ branch: "main", per_page: "10", exclude_pull_requests: "true" })
      .reply(200, {
        workflow_runs: [
          workflowRun({ id: 21, status: "in_progress", conclusion: null }),
          workflowRun({ id: 20 }),
        ],
      });
    api
      .get(`${REPO_PATH}/actions/workflows/12/runs`)
      .query({ branch: "main", per_page: "10", exclude_pull_requests: "true" })
      .reply(200, { workflow_runs: [workflowRun({ id: 30, name: "Load test" })] });
    api
      .get(`${REPO_PATH}/actions/runs/21/jobs`)
      .query({ per_page: "100" })
      .reply(200, { total_count: 1, jobs: [{ name: "build", status: "in_progress", conclusion: null }] });
    api
      .get(`${REPO_PATH}/actions/runs/20/jobs`)
      .query({ per_page: "100" })
      .reply(200, {
        total_count: 2,
        jobs: [
          { name: "build", status: "completed", conclusion: "success" },
          { name: "test", status: "completed", conclusion: "success" },
        ],
      });
    const [ci, load] = await collectAll(makeProvider(), [
      { type: "workflowRuns", workflow: { name: "CI" }, branch: "main", jobs: true },
      { type: "workflowRuns", workflow: { name: "Load test" }, branch: "main" },
    ]);
    const runs = ok<{ id: number; jobs?: { name: string }[] }[]>(ci!);
    expect(runs.map((r) => r.id)).toEqual([21, 20]);
    expect(runs[0]!.jobs).toEqual([{ name: "build", status: "in_progress", conclusion: null }]);
    expect(runs[1]!.jobs?.map((j) => j.name)).toEqual(["build", "test"]);
    expect(ok<{ id: number; jobs?: unknown }[]>(load!)[0]).not.toHaveProperty("jobs");
    expect(rec.count("GET /repos/acme/shop/actions/workflows")).toBe(3);
    expect(rec.count("GET /repos/acme/shop/actions/workflows?")).toBe(0);
    expect(rec.requests.filter((r) => r.path.startsWith(`${REPO_PATH}/actions/workflows?`))).toHaveLength(1);
    expectDone(api, rec);
  });

  test("403 → unknown naming the Actions permission", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/actions/runs`)
      .query(true)
      .reply(403, permissionDenied, { "x-accepted-github-permissions": "actions=read" });
    expect(
      reasonOf(await collectOne(makeProvider(), { type: "workflowRuns", workflow: { name: "CI" } })),
    ).toBe(
      "workflow runs of the commit: GitHub refused (403 Resource not accessible by integration); the app needs the Actions: read permission (actions)",
    );
    expectDone(api, rec);
  });
});

describe("checkRuns and statuses", () => {
  test("check runs of the commit and its combined status, one request each", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query({ per_page: "100" })
      .reply(200, {
        total_count: 1,
        check_runs: [
          {
            name: "buildkite/pipeline",
            status: "completed",
            conclusion: "success",
            html_url: "https://buildkite.example/b/1",
            completed_at: "2026-11-20T10:00:00Z",
            app: { slug: "buildkite" },
          },
        ],
      });
    api
      .get(`${REPO_PATH}/commits/${SHA}/status`)
      .query({ per_page: "100" })
      .reply(200, {
        state: "success",
        total_count: 1,
        statuses: [
          {
            context: "jenkins",
            state: "success",
            target_url: "https://ci.example/1",
            updated_at: "2026-11-20T10:00:00Z",
          },
        ],
      });
    const [checks, statuses] = await collectAll(makeProvider(), [
      { type: "checkRuns" },
      { type: "statuses" },
    ]);
    expect(ok(checks!)).toEqual([
      {
        name: "buildkite/pipeline",
        status: "completed",
        conclusion: "success",
        url: "https://buildkite.example/b/1",
        app: "buildkite",
        completedAt: "2026-11-20T10:00:00Z",
      },
    ]);
    expect(ok(statuses!)).toEqual([
      {
        context: "jenkins",
        state: "success",
        url: "https://ci.example/1",
        updatedAt: "2026-11-20T10:00:00Z",
      },
    ]);
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("more than a page: the remaining pages are fetched concurrently, up to limits.listPages", async () => {
    const { api, rec } = github();
    const page = (n: number) => ({
      total_count: 250,
      check_runs: Array.from({ length: n }, (_, i) => ({
        name: `c${i}`,
        status: "completed",
        conclusion: "success",
      })),
    });
    const link = `<https://api.github.com/repositories/1/commits/${SHA}/check-runs?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/commits/${SHA}/check-runs?per_page=100&page=3>; rel="last"`;
    api
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query({ per_page: "100" })
      .reply(200, page(100), { link });
    api
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query({ per_page: "100", page: "2" })
      .reply(200, page(100));
    api
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query({ per_page: "100", page: "3" })
      .reply(200, page(50));
    expect(ok<unknown[]>(await collectOne(makeProvider(), { type: "checkRuns" }))).toHaveLength(250);
    expect(rec.count()).toBe(3);
    expectDone(api, rec);
  });
});

describe("artifactFile", () => {
  const runs = () => ({
    total_count: 2,
    workflow_runs: [
      workflowRun({
        id: 51,
        name: "Load",
        path: ".github/workflows/load.yml",
        status: "in_progress",
        conclusion: null,
      }),
      workflowRun({ id: 50, name: "Load", path: ".github/workflows/load.yml" }),
    ],
  });
  const artifacts = (over: Record<string, unknown> = {}) => ({
    total_count: 1,
    artifacts: [{ id: 9, name: "k6-summary", size_in_bytes: 2048, expired: false, ...over }],
  });

  test("existence only (file ''): run listing + artifact list, no download", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/actions/runs`).query(true).reply(200, runs());
    api
      .get(`${REPO_PATH}/actions/runs/50/artifacts`)
      .query({ name: "k6-summary" })
      .reply(200, artifacts({ expired: true }));
    const fact = await collectOne(makeProvider(), {
      type: "artifactFile",
      workflow: { file: "load.yml" },
      artifact: "k6-summary",
      file: "",
    });
    expect(ok(fact)).toEqual({
      runId: 50,
      runUrl: "https://github.com/acme/shop/actions/runs/50",
      runPath: ".github/workflows/load.yml",
      artifact: "k6-summary",
      content: null,
    });
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("a JSON file: the zip is downloaded through the redirect and only that entry inflated", async () => {
    const { api, rec } = github();
    const zip = zipSync({ "summary.json": strToU8('{"p95_ms": 180}'), "other.bin": new Uint8Array(10) });
    api.get(`${REPO_PATH}/actions/runs`).query(true).reply(200, runs());
    api.get(`${REPO_PATH}/actions/runs/50/artifacts`).query({ name: "k6-summary" }).reply(200, artifacts());
    api
      .get(`${REPO_PATH}/actions/artifacts/9/zip`)
      .reply(302, "", { location: "https://pipelines.actions.example/artifact/9.zip?sig=abc" });
    const storage = nock("https://pipelines.actions.example")
      .get("/artifact/9.zip")
      .query(true)
      .reply(200, Buffer.from(zip), { "content-type": "application/zip" });
    const need: Need = {
      type: "artifactFile",
      workflow: { name: "Load" },
      artifact: "k6-summary",
      file: "summary.json",
    };
    const missing: Need = { ...need, file: "nope.json" };
    const [found, absent] = await collectAll(makeProvider(), [need, missing]);
    expect(ok<{ content: string }>(found!).content).toBe('{"p95_ms": 180}');
    expect(ok<{ content: string | null }>(absent!).content).toBeNull();
    expect(rec.count()).toBe(3);
    expect(storage.isDone()).toBe(true);
    expectDone(api, rec);
  });

  test("expired or oversized artifacts are unknown without a download; no successful run → null", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/actions/runs`).query(true).reply(200, runs());
    api
      .get(`${REPO_PATH}/actions/runs/50/artifacts`)
      .query({ name: "expired" })
      .reply(200, { artifacts: [{ id: 1, name: "expired", size_in_bytes: 1, expired: true }] });
    api
      .get(`${REPO_PATH}/actions/runs/50/artifacts`)
      .query({ name: "big" })
      .reply(200, { artifacts: [{ id: 2, name: "big", size_in_bytes: 200 * 1024 * 1024, expired: false }] });
    const base = { type: "artifactFile", workflow: { file: "load.yml" }, file: "x.json" } as const;
    const [expired, big, noRun] = await collectAll(makeProvider(), [
      { ...base, artifact: "expired" },
      { ...base, artifact: "big" },
      { ...base, workflow: { file: "nightly.yml" }, artifact: "any" },
    ]);
    expect(reasonOf(expired!)).toMatch(/has expired/);
    expect(reasonOf(big!)).toMatch(/200\.0 MiB; artifacts over 10\.0 MiB are not downloaded/);
    expect(ok(noRun!)).toBeNull();
    expect(rec.count()).toBe(3);
    expectDone(api, rec);
  });

  test("on a branch: the latest successful run of the workflow there", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/actions/workflows/load.yml/runs`)
      .query({ branch: "main", status: "success", per_page: "10", exclude_pull_requests: "true" })
      .reply(200, {
        workflow_runs: [workflowRun({ id: 77, name: "Load", path: ".github/workflows/load.yml" })],
      });
    api.get(`${REPO_PATH}/actions/runs/77/artifacts`).query({ name: "k6-summary" }).reply(200, artifacts());
    const fact = await collectOne(makeProvider(), {
      type: "artifactFile",
      workflow: { file: "load.yml" },
      artifact: "k6-summary",
      file: "",
      branch: "main",
    });
    expect(ok<{ runId: number }>(fact).runId).toBe(77);
    expectDone(api, rec);
  });

  test("on a branch: a pull request's run (a fork's branch named main) is not a run of the branch", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/actions/workflows/load.yml/runs`)
      .query({ branch: "main", status: "success", per_page: "10", exclude_pull_requests: "true" })
      .reply(200, {
        workflow_runs: [
          // Newest: the fork's pull_request run, its head branch also called main.
          {
            ...workflowRun({
              id: 90,
              name: "Load",
              path: ".github/workflows/load.yml",
              created_at: "2026-11-21T10:00:00Z",
            }),
            event: "pull_request",
            head_branch: "main",
            head_repository: { full_name: "mallory/fork" },
          },
          {
            ...workflowRun({
              id: 89,
              name: "Load",
              path: ".github/workflows/load.yml",
              created_at: "2026-11-21T09:00:00Z",
            }),
            event: "workflow_dispatch",
            head_repository: { full_name: "mallory/fork" },
          },
          workflowRun({
            id: 77,
            name: "Load",
            path: ".github/workflows/load.yml",
            created_at: "2026-11-20T10:00:00Z",
          }),
        ],
      });
    api.get(`${REPO_PATH}/actions/runs/77/artifacts`).query({ name: "k6-summary" }).reply(200, artifacts());
    const fact = await collectOne(makeProvider(), {
      type: "artifactFile",
      workflow: { file: "load.yml" },
      artifact: "k6-summary",
      file: "",
      branch: "main",
    });
    expect(ok<{ runId: number }>(fact).runId).toBe(77);
    expectDone(api, rec);
  });
});

describe("artifactFile: one repository-wide listing for every artifact of the commit", () => {
  const runs = {
    workflow_runs: [
      workflowRun({
        id: 60,
        name: "CI",
        path: ".github/workflows/ci.yml",
        created_at: "2026-11-20T10:00:00Z",
      }),
      workflowRun({
        id: 61,
        name: "Load",
        path: ".github/workflows/load.yml",
        created_at: "2026-11-20T10:01:00Z",
      }),
    ],
  };
  const artifact = (id: number, name: string, run: number, created: string) => ({
    id,
    name,
    size_in_bytes: 10,
    expired: false,
    created_at: created,
    workflow_run: { id: run },
  });
  const older = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      artifact(
        500 + i,
        `nightly-${i}`,
        400 + i,
        new Date(Date.parse("2026-11-19T00:00:00Z") - i * 60_000).toISOString(),
      ),
    );
  const needs: Need[] = [
    { type: "artifactFile", workflow: { file: "ci.yml" }, artifact: "coverage", file: "" },
    { type: "artifactFile", workflow: { file: "load.yml" }, artifact: "k6-summary", file: "" },
    { type: "artifactFile", workflow: { file: "load.yml" }, artifact: "never-uploaded", file: "" },
  ];

  test("found on the page, or provably absent from it: one listing, no per-run request", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/actions/runs`).query(true).reply(200, runs);
    api
      .get(`${REPO_PATH}/actions/artifacts`)
      .query({ per_page: "100" })
      .reply(200, {
        artifacts: [
          artifact(2, "k6-summary", 61, "2026-11-20T10:09:00Z"),
          artifact(1, "coverage", 60, "2026-11-20T10:05:00Z"),
          ...older(98),
        ],
      });
    const [coverage, k6, never] = await collectAll(makeProvider(), needs);
    expect(ok<{ runId: number }>(coverage!).runId).toBe(60);
    expect(ok<{ runId: number }>(k6!).runId).toBe(61);
    expect(ok(never!)).toBeNull();
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("a full page that does not reach back to the run: that run's own listing is read", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/actions/runs`).query(true).reply(200, runs);
    const newer = Array.from({ length: 99 }, (_, i) =>
      artifact(
        900 + i,
        `other-${i}`,
        800 + i,
        new Date(Date.parse("2026-11-20T12:00:00Z") - i * 1000).toISOString(),
      ),
    );
    api
      .get(`${REPO_PATH}/actions/artifacts`)
      .query({ per_page: "100" })
      .reply(200, { artifacts: [...newer, artifact(2, "k6-summary", 61, "2026-11-20T10:09:00Z")] });
    api
      .get(`${REPO_PATH}/actions/runs/60/artifacts`)
      .query({ name: "coverage" })
      .reply(200, { artifacts: [artifact(1, "coverage", 60, "2026-11-20T10:05:00Z")] });
    api
      .get(`${REPO_PATH}/actions/runs/61/artifacts`)
      .query({ name: "never-uploaded" })
      .reply(200, { artifacts: [] });
    const [coverage, k6, never] = await collectAll(makeProvider(), needs);
    expect(ok<{ runId: number }>(coverage!).runId).toBe(60);
    expect(ok<{ runId: number }>(k6!).runId).toBe(61);
    expect(ok(never!)).toBeNull();
    expect(rec.count()).toBe(4);
    expectDone(api, rec);
  });
});

describe("release", () => {
  const raw = (over: Record<string, unknown> = {}) => ({
    id: 5,
    tag_name: "v1.2.0",
    name: "1.2.0",
    draft: false,
    prerelease: false,
    html_url: "https://github.com/acme/shop/releases/tag/v1.2.0",
    target_commitish: "main",
    assets: [
      {
        name: "shop.spdx.json",
        size: 1000,
        browser_download_url: "https://github.com/acme/shop/releases/download/v1.2.0/shop.spdx.json",
      },
    ],
    ...over,
  });

  test("a release target: by tag, one request", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/releases/tags/v1.2.0`).reply(200, raw());
    expect(ok(await collectOne(makeProvider(), { type: "release" }, release))).toEqual({
      tag: "v1.2.0",
      name: "1.2.0",
      draft: false,
      prerelease: false,
      url: "https://github.com/acme/shop/releases/tag/v1.2.0",
      assets: [
        {
          name: "shop.spdx.json",
          size: 1000,
          url: "https://github.com/acme/shop/releases/download/v1.2.0/shop.spdx.json",
        },
      ],
    });
    expectDone(api, rec);
  });

  test("a deployment: newest releases by target_commitish, then tags pointing at the commit", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/releases`)
      .query({ per_page: "30" })
      .reply(200, [raw({ tag_name: "v1.3.0" }), raw({ tag_name: "v1.2.0" })]);
    api
      .get(`${REPO_PATH}/tags`)
      .query({ per_page: "100" })
      .reply(200, [
        { name: "v1.3.0", commit: { sha: "ffffffffffffffffffffffffffffffffffffffff" } },
        { name: "v1.2.0", commit: { sha: SHA } },
      ]);
    expect(ok<{ tag: string }>(await collectOne(makeProvider(), { type: "release" }, deployment)).tag).toBe(
      "v1.2.0",
    );
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("a deployment whose commit has no release → null", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/releases`)
      .query(true)
      .reply(200, [raw({ target_commitish: "main" })]);
    api.get(`${REPO_PATH}/tags`).query(true).reply(200, []);
    expect(ok(await collectOne(makeProvider(), { type: "release" }, deployment))).toBeNull();
    expectDone(api, rec);
  });
});

describe("branchRules", () => {
  test("rulesets plus classic required checks, concurrently", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/rules/branches/release%2F1.x`)
      .query({ per_page: "100" })
      .reply(200, [
        { type: "pull_request", ruleset_id: 1, parameters: { required_approving_review_count: 2 } },
        {
          type: "required_status_checks",
          ruleset_id: 1,
          parameters: { required_status_checks: [{ context: "CI / test" }] },
        },
        { type: "deletion", ruleset_id: 1 },
      ]);
    api.get(`${REPO_PATH}/branches/release%2F1.x`).reply(200, {
      name: "release/1.x",
      protected: true,
      protection: {
        enabled: true,
        required_status_checks: {
          enforcement_level: "everyone",
          contexts: ["legacy-ci"],
          checks: [{ context: "legacy-ci", app_id: null }],
        },
      },
    });
    expect(ok(await collectOne(makeProvider(), { type: "branchRules", branch: "release/1.x" }))).toEqual({
      branch: "release/1.x",
      requiredChecks: ["CI / test", "legacy-ci"],
      requiredReviews: 2,
    });
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("a branch that does not exist is unknown", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/rules/branches/gone`).query(true).reply(200, []);
    api.get(`${REPO_PATH}/branches/gone`).reply(404, { message: "Branch not found" });
    expect(reasonOf(await collectOne(makeProvider(), { type: "branchRules", branch: "gone" }))).toMatch(
      /has no branch gone/,
    );
    expectDone(api, rec);
  });

  test("a branch summary GitHub would not give is unknown, not judged on rulesets alone", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/rules/branches/main`).query(true).reply(200, []);
    api.get(`${REPO_PATH}/branches/main`).reply(502, { message: "Bad Gateway" });
    const fact = await collectOne(makeProvider(), { type: "branchRules", branch: "main" });
    expect(fact.state).toBe("unknown");
    expectDone(api, rec);
  });
});

describe("alerts", () => {
  test("Dependabot: open alerts with their severity", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/dependabot/alerts`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [
        {
          number: 3,
          html_url: "https://github.com/acme/shop/security/dependabot/3",
          dependency: { package: { name: "lodash" } },
          security_advisory: { summary: "Prototype pollution", severity: "high" },
        },
      ]);
    expect(ok(await collectOne(makeProvider(), { type: "alerts", source: "dependabot" }))).toEqual([
      {
        source: "dependabot",
        number: 3,
        severity: "high",
        summary: "lodash: Prototype pollution",
        url: "https://github.com/acme/shop/security/dependabot/3",
      },
    ]);
    expectDone(api, rec);
  });

  test("code scanning maps rule levels; secret scanning counts as critical", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/code-scanning/alerts`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [
        {
          number: 1,
          rule: {
            id: "js/sqli",
            description: "SQL injection",
            security_severity_level: "critical",
            severity: "error",
          },
        },
        {
          number: 2,
          rule: {
            id: "js/unused",
            description: "Unused variable",
            security_severity_level: null,
            severity: "note",
          },
          most_recent_instance: { location: { path: "a.js" } },
        },
      ]);
    api
      .get(`${REPO_PATH}/secret-scanning/alerts`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [
        { number: 4, secret_type: "aws_access_key_id", secret_type_display_name: "AWS Access Key ID" },
      ]);
    const [code, secrets] = await collectAll(makeProvider(), [
      { type: "alerts", source: "code-scanning" },
      { type: "alerts", source: "secret-scanning" },
    ]);
    expect(ok<{ severity: string; summary: string }[]>(code!).map((a) => [a.severity, a.summary])).toEqual([
      ["critical", "SQL injection"],
      ["low", "Unused variable (a.js)"],
    ]);
    expect(ok(secrets!)).toEqual([
      { source: "secret-scanning", number: 4, severity: "critical", summary: "leaked AWS Access Key ID" },
    ]);
    expectDone(api, rec);
  });

  test("403 not accessible → unknown naming the permission, for each source", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/dependabot/alerts`).query(true).reply(403, permissionDenied);
    api.get(`${REPO_PATH}/code-scanning/alerts`).query(true).reply(403, permissionDenied);
    api.get(`${REPO_PATH}/secret-scanning/alerts`).query(true).reply(403, permissionDenied);
    const facts = await collectAll(makeProvider(), [
      { type: "alerts", source: "dependabot" },
      { type: "alerts", source: "code-scanning" },
      { type: "alerts", source: "secret-scanning" },
    ]);
    expect(facts.map(reasonOf)).toEqual([
      "Dependabot alerts: GitHub refused (403 Resource not accessible by integration); the app needs the Dependabot alerts: read permission (vulnerability_alerts)",
      "Code scanning alerts: GitHub refused (403 Resource not accessible by integration); the app needs the Code scanning alerts: read permission (security_events)",
      "Secret scanning alerts: GitHub refused (403 Resource not accessible by integration); the app needs the Secret scanning alerts: read permission (secret_scanning_alerts)",
    ]);
    expectDone(api, rec);
  });

  test("a disabled or never-run scanner is not proof of no alerts: unknown", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/dependabot/alerts`)
      .query(true)
      .reply(403, { message: "Dependabot alerts are disabled for this repository." });
    api.get(`${REPO_PATH}/code-scanning/alerts`).query(true).reply(404, { message: "no analysis found" });
    api
      .get(`${REPO_PATH}/secret-scanning/alerts`)
      .query(true)
      .reply(404, { message: "Secret scanning is disabled on this repository." });
    const facts = await collectAll(makeProvider(), [
      { type: "alerts", source: "dependabot" },
      { type: "alerts", source: "code-scanning" },
      { type: "alerts", source: "secret-scanning" },
    ]);
    expect(reasonOf(facts[0]!)).toMatch(
      /^Dependabot alerts are disabled for this repository, so there is no evidence/,
    );
    expect(reasonOf(facts[1]!)).toMatch(/^code scanning has no analysis/);
    expect(reasonOf(facts[2]!)).toMatch(/^secret scanning is disabled/);
    expectDone(api, rec);
  });

  test("past limits.alertPages: unknown unless a critical alert is already in hand", async () => {
    const { api, rec } = github();
    const alert = (n: number, severity: string) => ({
      number: n,
      security_advisory: { summary: "x", severity },
    });
    const next = (after: string) => ({
      link: `<https://api.github.com/repositories/1/dependabot/alerts?state=open&per_page=100&after=${after}>; rel="next"`,
    });
    api
      .get(`${REPO_PATH}/dependabot/alerts`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [alert(1, "low")], next("c1"));
    api
      .get(`${REPO_PATH}/dependabot/alerts`)
      .query({ state: "open", per_page: "100", after: "c1" })
      .reply(200, [alert(2, "medium")], next("c2"));
    const truncated = await collectOne(makeProvider({ limits: { alertPages: 2 } }), {
      type: "alerts",
      source: "dependabot",
    });
    expect(reasonOf(truncated)).toMatch(
      /more than 2 are open and only the first 2 were read, none of them critical/,
    );
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });
});

describe("pullRequest", () => {
  test("labels from the target, changed files from every page", async () => {
    const { api, rec } = github();
    const files = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ filename: `src/f${from + i}.ts`, status: "modified" }));
    const link = `<https://api.github.com/repositories/1/pulls/42/files?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/pulls/42/files?per_page=100&page=2>; rel="last"`;
    api.get(`${REPO_PATH}/pulls/42/files`).query({ per_page: "100" }).reply(200, files(0, 100), { link });
    api.get(`${REPO_PATH}/pulls/42/files`).query({ per_page: "100", page: "2" }).reply(200, files(100, 5));
    const facts = ok<{ changedFiles: string[]; labels: string[]; changedFilesTruncated: boolean }>(
      await collectOne(makeProvider(), { type: "pullRequest" }, pullRequest),
    );
    expect(facts.labels).toEqual(["release", "security"]);
    expect(facts.changedFiles).toHaveLength(105);
    expect(facts.changedFilesTruncated).toBe(false);
    expect(rec.count()).toBe(2);
    expectDone(api, rec);
  });

  test("beyond limits.prFilePages the list is marked truncated", async () => {
    const { api, rec } = github();
    const link = `<https://api.github.com/repositories/1/pulls/42/files?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/pulls/42/files?per_page=100&page=30>; rel="last"`;
    api
      .get(`${REPO_PATH}/pulls/42/files`)
      .query({ per_page: "100" })
      .reply(200, [{ filename: "a" }], { link });
    api
      .get(`${REPO_PATH}/pulls/42/files`)
      .query({ per_page: "100", page: "2" })
      .reply(200, [{ filename: "b" }]);
    const facts = ok<{ changedFilesTruncated: boolean }>(
      await collectOne(makeProvider({ limits: { prFilePages: 2 } }), { type: "pullRequest" }, pullRequest),
    );
    expect(facts.changedFilesTruncated).toBe(true);
    expectDone(api, rec);
  });

  test("not a pull request → null, no request", async () => {
    const { api, rec } = github();
    expect(ok(await collectOne(makeProvider(), { type: "pullRequest" }, deployment))).toBeNull();
    expect(rec.count()).toBe(0);
    expectDone(api, rec);
  });
});

describe("ledger", () => {
  test("delegated to fetchLedger with the teams; a throw becomes unknown", async () => {
    const ledger: Ledger = { entries: [], actors: {}, pullRequests: [{ number: 42 }] };
    fetchLedger.mockResolvedValueOnce(ledger);
    const octokit = makeOctokit();
    const provider = makeProvider({ octokit });
    expect(ok(await collectOne(provider, { type: "ledger", teams: ["acme/sre"] }, pullRequest))).toBe(ledger);
    expect(fetchLedger).toHaveBeenCalledWith(
      expect.objectContaining({ owner: "acme", repo: "shop" }),
      expect.objectContaining({ teams: ["acme/sre"], target: pullRequest }),
    );

    fetchLedger.mockRejectedValueOnce(new Error("the comments of pull request #42: GitHub answered 502"));
    expect(reasonOf(await collectOne(makeProvider(), { type: "ledger", teams: [] }, pullRequest))).toBe(
      "slash commands in pull request comments: the comments of pull request #42: GitHub answered 502",
    );
  });
});

describe("failures never throw", () => {
  test("5xx → unknown('GitHub answered 502 …')", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query(true)
      .reply(502, "<html>Bad Gateway</html>", { "content-type": "text/html" });
    expect(reasonOf(await collectOne(makeProvider(), { type: "checkRuns" }))).toMatch(
      /^check runs of the commit: GitHub answered 502/,
    );
    expectDone(api, rec);
  });

  test("no HTTP answer at all → unknown('could not reach GitHub')", async () => {
    const { api, rec } = github();
    api.get(`${REPO_PATH}/commits/${SHA}/status`).query(true).replyWithError("socket hang up");
    expect(reasonOf(await collectOne(makeProvider(), { type: "statuses" }))).toMatch(
      /^commit statuses: could not reach GitHub/,
    );
    expectDone(api, rec);
  });

  test("rate limit exhausted → unknown saying until when", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/commits/${SHA}/status`)
      .query(true)
      .reply(
        403,
        { message: "API rate limit exceeded for installation ID 1." },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795000000" },
      );
    expect(reasonOf(await collectOne(makeProvider(), { type: "statuses" }))).toBe(
      "commit statuses: GitHub's API rate limit for this installation is used up until 2026-11-18T11:06:40.000Z (403)",
    );
    expectDone(api, rec);
  });

  test("an answer of an unexpected shape becomes unknown, not a throw", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/commits/${SHA}/check-runs`)
      .query(true)
      .reply(200, { check_runs: [null] });
    expect(reasonOf(await collectOne(makeProvider(), { type: "checkRuns" }))).toMatch(
      /^checkRuns: could not be read from GitHub \(/,
    );
    expectDone(api, rec);
  });
});

describe("memo and concurrency", () => {
  test("two needs sharing one listing make one request; asking again makes none", async () => {
    const { api, rec } = github();
    api
      .get(`${REPO_PATH}/actions/runs`)
      .query(true)
      .once()
      .reply(200, { workflow_runs: [workflowRun({ id: 50 })] });
    api
      .get(`${REPO_PATH}/actions/runs/50/artifacts`)
      .query(true)
      .once()
      .reply(200, { artifacts: [{ id: 1, name: "a", size_in_bytes: 1, expired: false }] });
    const provider = makeProvider();
    const needs: Need[] = [
      { type: "workflowRuns", workflow: { name: "CI" } },
      { type: "artifactFile", workflow: { name: "CI" }, artifact: "a", file: "" },
    ];
    const first = await provider.collect(needs, deployment);
    const again = await provider.collect(
      [...needs, { type: "workflowRuns", workflow: { file: "ci.yml" } }],
      deployment,
    );
    expect(rec.count()).toBe(2);
    expect(again.get(needKey(needs[0]!))).toBe(first.get(needKey(needs[0]!)));
    expectDone(api, rec);
  });

  test("at most limits.concurrency requests in flight", async () => {
    // Files read without a tree: one contents request each, all asked at once.
    const { api, rec } = github();
    let inFlight = 0;
    let peak = 0;
    const paths = Array.from({ length: 14 }, (_, i) => `docs/${i}.md`);
    api
      .get(/\/repos\/acme\/shop\/contents\//)
      .query(true)
      .times(paths.length)
      .reply(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return [200, "text"];
      });
    const provider = makeProvider({ limits: { concurrency: 4 } });
    const facts = await collectAll(
      provider,
      paths.map((path): Need => ({ type: "content", path })),
    );
    expect(facts.filter((f) => f.state !== "ok")).toEqual([]);
    expect(peak).toBe(4);
    expect(provider.requestCount).toEqual({ issued: 14, peak: 4 });
    expectDone(api, rec);
  });
});
