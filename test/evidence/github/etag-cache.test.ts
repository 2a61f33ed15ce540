// The ETag cache: conditional requests across evaluations, content-addressed hits, identities kept apart,
// bounds, and the counters the App exports.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  chargedRequests,
  createRequestStats,
  EtagCache,
  isImmutableUrl,
  withEtagCache,
} from "../../../src/evidence/github/etag-cache.js";
import { GitHubEvidence } from "../../../src/evidence/github/provider.js";
import type { Need } from "../../../src/evidence/types.js";
import { fakeGitHub } from "./fake-github.js";
import {
  blobSha,
  deployment,
  makeOctokit,
  OWNER,
  REPO,
  REPO_PATH,
  SHA,
  tree,
  workflowRun,
} from "./fixtures.js";

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function seed(gh: ReturnType<typeof fakeGitHub>) {
  gh.set(`${REPO_PATH}/git/trees/${SHA}?recursive=1`, tree({ "README.md": 5, "docs/runbook.md": 9 }));
  gh.set(`${REPO_PATH}/git/blobs/${blobSha("README.md")}`, "hello");
  gh.set(`${REPO_PATH}/commits?sha=${SHA}&path=docs/runbook.md&per_page=1`, [
    { sha: SHA, commit: { committer: { date: "2026-11-01T00:00:00Z" } } },
  ]);
  gh.set(`${REPO_PATH}/actions/runs?head_sha=${SHA}&per_page=100`, {
    total_count: 1,
    workflow_runs: [workflowRun({ id: 1, status: "in_progress", conclusion: null })],
  });
  gh.set(`${REPO_PATH}/dependabot/alerts?state=open&per_page=100`, []);
}

const needs: Need[] = [
  { type: "files" },
  { type: "content", path: "README.md" },
  { type: "lastChanged", path: "docs/runbook.md" },
  { type: "workflowRuns", workflow: { name: "CI" } },
  { type: "alerts", source: "dependabot" },
];

const evaluate = (octokit: ReturnType<typeof makeOctokit>) =>
  new GitHubEvidence({ octokit, owner: OWNER, repo: REPO, sha: SHA }).collect(needs, deployment);

describe("withEtagCache", () => {
  test("the same content-addressed GET asked twice at once (the App's policy look-up and the evidence): one request", async () => {
    const gh = fakeGitHub();
    seed(gh);
    const cache = new EtagCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const stats = createRequestStats();
    // Two Octokits of one installation sharing the App's cache, as the App and its provider do.
    const [a, b] = [makeOctokit(), makeOctokit()].map((o) =>
      withEtagCache(o, cache, stats, { identity: "i:1" }),
    );
    const ask = (o: typeof a) =>
      o!.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
        owner: OWNER,
        repo: REPO,
        tree_sha: SHA,
        recursive: "1",
      });
    const [x, y] = await Promise.all([ask(a), ask(b)]);
    expect(y.data).toEqual(x.data);
    expect(gh.served).toEqual({ "200": 1 });
    expect(stats.byStatus).toEqual({ "200": 1, "cache-hit": 1 });
    // A URL that can change is not shared: each asks for itself.
    const runs = (o: typeof a) =>
      o!.request("GET /repos/{owner}/{repo}/actions/runs", {
        owner: OWNER,
        repo: REPO,
        head_sha: SHA,
        per_page: 100,
      });
    await Promise.all([runs(a), runs(b)]);
    expect(gh.served).toEqual({ "200": 3 });
  });

  test("a second evaluation sends If-None-Match, gets 304s, and answers identically", async () => {
    const gh = fakeGitHub();
    seed(gh);
    const cache = new EtagCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const stats = createRequestStats();
    const octokit = withEtagCache(makeOctokit(), cache, stats);

    const cold = await evaluate(octokit);
    expect(gh.served).toEqual({ "200": 5 });
    expect(stats.byStatus).toEqual({ "200": 5 });
    expect(chargedRequests(stats)).toBe(5);

    gh.reset();
    const warm = await evaluate(octokit);
    expect(warm).toEqual(cold);
    // Tree, blob and the history of a SHA cannot change: answered without a request.
    // The runs listing and the alerts can: asked again, conditionally, and GitHub says 304.
    expect(gh.rec.requests.map((r) => r.path.split("?")[0])).toEqual([
      `${REPO_PATH}/actions/runs`,
      `${REPO_PATH}/dependabot/alerts`,
    ]);
    expect(gh.rec.requests.every((r) => r.headers["if-none-match"]?.startsWith('W/"'))).toBe(true);
    expect(gh.served).toEqual({ "304": 2 });
    expect(stats.byStatus).toEqual({ "200": 5, "304": 2, "cache-hit": 3 });
    // Misses count GETs the cache could not answer (tree, runs, alerts): the history and README's text
    // are GraphQL fields (POSTs, never a miss; here two queries, the text waiting for the tree).
    expect(gh.rec.count("POST /graphql")).toBe(0);
    expect(stats).toMatchObject({ notModified: 2, cacheHits: 3, misses: 3, rateLimitRemaining: 4321 });
    expect(chargedRequests(stats)).toBe(5);
    gh.rec.assertAllKnown();
  });

  test("what changed is fetched again (200) and replaces the entry", async () => {
    const gh = fakeGitHub();
    seed(gh);
    const cache = new EtagCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const stats = createRequestStats();
    const octokit = withEtagCache(makeOctokit(), cache, stats);
    await evaluate(octokit);
    gh.set(`${REPO_PATH}/actions/runs?head_sha=${SHA}&per_page=100`, {
      total_count: 1,
      workflow_runs: [workflowRun({ id: 1 })],
    });
    gh.reset();
    const after = await evaluate(octokit);
    const runs = [...after.values()].find(
      (f) => f.state === "ok" && Array.isArray(f.value) && (f.value[0] as { id?: number })?.id === 1,
    );
    expect(runs).toMatchObject({ value: [{ conclusion: "success" }] });
    expect(gh.served).toEqual({ "200": 1, "304": 1 });
    gh.reset();
    await evaluate(octokit);
    expect(gh.served).toEqual({ "304": 2 });
  });

  test("a paginated listing reads the same on every 304: the cache hands out copies paginate may unwrap", async () => {
    const gh = fakeGitHub();
    const cache = new EtagCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const octokit = withEtagCache(makeOctokit(), cache, createRequestStats());
    const listing = {
      total_count: 1,
      repository_selection: "all",
      repositories: [{ id: 7, name: REPO, owner: { login: OWNER } }],
    };
    gh.set("/installation/repositories?per_page=100", listing);
    const names = async () =>
      (await octokit.paginate("GET /installation/repositories", { per_page: 100 })).map((r) => r.name);
    expect(await names()).toEqual([REPO]);
    expect(await names()).toEqual([REPO]);
    expect(await names()).toEqual([REPO]);
    expect(gh.served).toEqual({ "200": 1, "304": 2 });
  });

  test("two installations never share entries; one installation keeps them across token rotation", async () => {
    const gh = fakeGitHub();
    seed(gh);
    const cache = new EtagCache({ maxEntries: 100, maxBytes: 1 << 20 });
    const asInstallation = (token: string, installationId: number) => {
      const octokit = makeOctokit(token);
      // What @octokit/auth-app answers for Probot's installation Octokit.
      octokit.auth = async () => ({ type: "token", tokenType: "installation", token, installationId });
      return withEtagCache(octokit, cache);
    };
    await evaluate(asInstallation("ghs_one", 1));
    gh.reset();
    await evaluate(asInstallation("ghs_two", 2));
    expect(gh.served).toEqual({ "200": 5 });
    expect(gh.rec.requests.some((r) => r.headers["if-none-match"])).toBe(false);
    gh.reset();
    await evaluate(asInstallation("ghs_one_rotated", 1));
    expect(gh.served).toEqual({ "304": 2 });
  });

  test("plain tokens are told apart by a hash of the token; an explicit identity wins", async () => {
    const gh = fakeGitHub();
    seed(gh);
    const cache = new EtagCache({ maxEntries: 100, maxBytes: 1 << 20 });
    await evaluate(withEtagCache(makeOctokit("token-a"), cache));
    gh.reset();
    await evaluate(withEtagCache(makeOctokit("token-b"), cache));
    expect(gh.served).toEqual({ "200": 5 });
    gh.reset();
    await evaluate(withEtagCache(makeOctokit("token-c"), cache, undefined, { identity: "installation:9" }));
    gh.reset();
    await evaluate(withEtagCache(makeOctokit("token-d"), cache, undefined, { identity: "installation:9" }));
    expect(gh.served).toEqual({ "304": 2 });
  });

  test("paged lists from the cache are not altered by later pages (the cache's objects are read-only)", async () => {
    const gh = fakeGitHub();
    const run = (i: number) => ({ name: `c${i}`, status: "completed", conclusion: "success" });
    const link = `<https://api.github.com/repositories/1/commits/${SHA}/check-runs?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/commits/${SHA}/check-runs?per_page=100&page=2>; rel="last"`;
    gh.set(`${REPO_PATH}/commits/${SHA}/check-runs?per_page=100`, { check_runs: [run(1), run(2)] }, { link });
    gh.set(`${REPO_PATH}/commits/${SHA}/check-runs?per_page=100&page=2`, { check_runs: [run(3)] });
    const octokit = withEtagCache(makeOctokit(), new EtagCache({ maxEntries: 10, maxBytes: 1 << 20 }));
    const twice = [];
    for (let i = 0; i < 3; i++) {
      const p = new GitHubEvidence({ octokit, owner: OWNER, repo: REPO, sha: SHA });
      twice.push(await p.collect([{ type: "checkRuns" }], deployment));
    }
    const counts = twice.map((m) => ([...m.values()][0] as { value: unknown[] }).value.length);
    expect(counts).toEqual([3, 3, 3]);
    expect(gh.served).toEqual({ "200": 2, "304": 4 });
  });

  test("installing twice on one Octokit installs once", async () => {
    const gh = fakeGitHub();
    gh.set(`${REPO_PATH}/dependabot/alerts?state=open&per_page=100`, []);
    const cache = new EtagCache({ maxEntries: 10, maxBytes: 1 << 20 });
    const stats = createRequestStats();
    const octokit = withEtagCache(withEtagCache(makeOctokit(), cache, stats), cache, stats);
    await octokit.request("GET /repos/{owner}/{repo}/dependabot/alerts", {
      owner: OWNER,
      repo: REPO,
      state: "open",
      per_page: 100,
    });
    expect(stats.byStatus).toEqual({ "200": 1 });
  });

  test("non-GET requests pass through uncached but are counted; errors are counted by status", async () => {
    const api = nock("https://api.github.com");
    api.post(`${REPO_PATH}/check-runs`).reply(201, { id: 1 });
    api.get(`${REPO_PATH}/branches/x`).reply(404, { message: "Branch not found" });
    api.get(`${REPO_PATH}/branches/y`).replyWithError("ECONNRESET");
    const cache = new EtagCache({ maxEntries: 10, maxBytes: 1 << 20 });
    const stats = createRequestStats();
    const octokit = withEtagCache(makeOctokit(), cache, stats);
    await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner: OWNER,
      repo: REPO,
      name: "x",
      head_sha: SHA,
    });
    await expect(
      octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
        owner: OWNER,
        repo: REPO,
        branch: "x",
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", {
        owner: OWNER,
        repo: REPO,
        branch: "y",
      }),
    ).rejects.toThrow();
    expect(stats.byStatus).toEqual({ "201": 1, "404": 1, "network-error": 1 });
    expect(cache.size).toBe(0);
  });
});

describe("EtagCache bounds", () => {
  const entry = (bytes: number) => ({
    etag: '"e"',
    response: { status: 200, url: "u", headers: {}, data: null },
    bytes,
    immutable: false,
  });

  test("least recently used entries go first, by count", () => {
    const cache = new EtagCache({ maxEntries: 2, maxBytes: 1000 });
    cache.set("a", entry(1));
    cache.set("b", entry(1));
    cache.get("a");
    cache.set("c", entry(1));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.get("c")).toBeDefined();
  });

  test("by bytes, and entries over maxEntryBytes are not kept", () => {
    const cache = new EtagCache({ maxEntries: 100, maxBytes: 100, maxEntryBytes: 60 });
    cache.set("a", entry(50));
    cache.set("b", entry(40));
    cache.set("c", entry(30));
    expect(cache.bytes).toBe(70);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.set("d", entry(61))).toBe(false);
    expect(cache.size).toBe(2);
    cache.set("b", entry(10));
    expect(cache.bytes).toBe(40);
  });
});

test("content-addressed URLs are recognised as immutable", () => {
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/git/blobs/${SHA}`)).toBe(true);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/git/trees/${SHA}?recursive=1`)).toBe(true);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/contents/a.md?ref=${SHA}`)).toBe(true);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/commits?sha=${SHA}&path=a&per_page=1`)).toBe(
    true,
  );
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/compare/${SHA}...${SHA}`)).toBe(true);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/contents/a.md?ref=main`)).toBe(false);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/git/trees/main`)).toBe(false);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/commits/${SHA}/check-runs?per_page=100`)).toBe(
    false,
  );
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/actions/runs?head_sha=${SHA}`)).toBe(false);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/git/commits/${SHA}`)).toBe(true);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/actions/artifacts/42/zip`)).toBe(true);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/actions/artifacts?per_page=100`)).toBe(false);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/actions/runs/42/artifacts`)).toBe(false);
  expect(isImmutableUrl(`https://api.github.com${REPO_PATH}/zipball/${SHA}`)).toBe(false);
});
