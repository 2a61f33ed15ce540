// Requests per evaluation, measured on one policy shape: 30 file checks (2 with `contains`, 10 with
// maxAgeDays), 3 workflow checks on the commit (one naming jobs), a status check, alerts from all three
// sources and a branch check. Needs are collected in the engine's two rounds (file index first).
// The ledger (slash commands) is a colleague's module and is stubbed here: its requests are not counted.
//
// Figures (charged = requests that count against the rate limit: not 304, not answered from the cache):
//   cold                          11 = 10 + one GraphQL query asking `history(path:)` of the 10 maxAgeDays
//                                    files and the text of the 2 files read, all at once (it was 22: one
//                                    REST `commits?path=` per maxAgeDays file, one blob per file read)
//   same commit again, warm        0 (9 conditional requests, all 304; tree and 2 blobs from the cache;
//                                    the 10 dates from HistoryMemory, 10 content-addressed cache hits
//                                    without it)
//   same commit, a run finished    2 (the runs listing and that run's jobs changed)
//   next commit, warm + history    7 (tree, 1 compare, 1 changed path, runs, jobs, check runs, statuses)
// With `within` on the lastChanged needs (what file checks with maxAgeDays ask since it exists), the ten
// paths cost one window of two requests (the query then carries the texts alone):
//   cold                          13 = 11 + 2, whatever the number of maxAgeDays files of that limit
//   same commit again, warm        0
// The end-to-end figures for the largest example policy are in examples-cost.test.ts.
import nock from "nock";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { FileIndex } from "../../../src/evidence/file-index.js";
import {
  chargedRequests,
  createRequestStats,
  EtagCache,
  type GitHubRequestStats,
  withEtagCache,
} from "../../../src/evidence/github/etag-cache.js";
import { HistoryMemory } from "../../../src/evidence/github/history.js";
import { GitHubEvidence } from "../../../src/evidence/github/provider.js";
import { type Fact, type Need, needKey, type Target } from "../../../src/evidence/types.js";
import { type FakeGitHub, fakeGitHub } from "./fake-github.js";
import {
  blobSha,
  deployment,
  makeOctokit,
  OTHER_SHA,
  OWNER,
  REPO,
  REPO_PATH,
  SHA,
  tree,
  workflowRun,
} from "./fixtures.js";

vi.mock("../../../src/evidence/github/ledger.js", () => ({
  fetchLedger: async () => ({ commands: [], actors: {}, pullRequests: [] }),
}));

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const FILES = Array.from({ length: 30 }, (_, i) => (i < 10 ? `docs/runbooks/r${i}.md` : `ops/item-${i}.md`));
const AGED = FILES.slice(0, 10);
const READ = ["ops/item-10.md", "ops/item-11.md"];

const text = (path: string) => `# ${path}\nowner: sre\n`;

const round1: Need[] = [
  { type: "files" },
  { type: "workflowRuns", workflow: { name: "CI" } },
  { type: "workflowRuns", workflow: { file: "deploy.yml" } },
  { type: "workflowRuns", workflow: { name: "Load test" }, jobs: true },
  { type: "checkRuns" },
  { type: "statuses" },
  { type: "alerts", source: "dependabot" },
  { type: "alerts", source: "code-scanning" },
  { type: "alerts", source: "secret-scanning" },
  { type: "branchRules", branch: "main" },
  { type: "ledger", teams: [] },
];
const round2: Need[] = [
  ...READ.map((path): Need => ({ type: "content", path })),
  ...AGED.map((path): Need => ({ type: "lastChanged", path })),
];

function seedCommit(gh: FakeGitHub, sha: string, runs: ReturnType<typeof workflowRun>[]) {
  gh.set(`${REPO_PATH}/git/trees/${sha}?recursive=1`, {
    ...tree(Object.fromEntries(FILES.map((f) => [f, READ.includes(f) ? Buffer.byteLength(text(f)) : 100]))),
    sha,
  });
  for (const p of AGED) {
    gh.set(`${REPO_PATH}/commits?sha=${sha}&path=${p}&per_page=1`, [
      { sha, commit: { committer: { date: sha === SHA ? "2026-10-01T00:00:00Z" : "2026-11-21T00:00:00Z" } } },
    ]);
  }
  gh.set(`${REPO_PATH}/actions/runs?head_sha=${sha}&per_page=100`, {
    total_count: runs.length,
    workflow_runs: runs,
  });
  for (const r of runs)
    gh.set(`${REPO_PATH}/actions/runs/${r.id}/jobs?per_page=100`, {
      jobs: [{ name: "k6", status: r.status, conclusion: r.conclusion }],
    });
  gh.set(`${REPO_PATH}/commits/${sha}/check-runs?per_page=100`, { total_count: 0, check_runs: [] });
  gh.set(`${REPO_PATH}/commits/${sha}/status?per_page=100`, { state: "success", statuses: [] });
}

function seedRepository(gh: FakeGitHub) {
  for (const p of READ) gh.set(`${REPO_PATH}/git/blobs/${blobSha(p)}`, text(p));
  gh.set(`${REPO_PATH}/dependabot/alerts?state=open&per_page=100`, []);
  gh.set(`${REPO_PATH}/code-scanning/alerts?state=open&per_page=100`, []);
  gh.set(`${REPO_PATH}/secret-scanning/alerts?state=open&per_page=100`, []);
  gh.set(`${REPO_PATH}/rules/branches/main?per_page=100`, [
    { type: "pull_request", parameters: { required_approving_review_count: 1 } },
  ]);
  gh.set(`${REPO_PATH}/branches/main`, { name: "main", protected: false });
}

const runsOf = (sha: string, loadStatus = "in_progress") => [
  workflowRun({ id: sha === SHA ? 1 : 11, head_sha: sha }),
  workflowRun({
    id: sha === SHA ? 2 : 12,
    head_sha: sha,
    name: "Deploy",
    path: ".github/workflows/deploy.yml",
  }),
  workflowRun({
    id: sha === SHA ? 3 : 13,
    head_sha: sha,
    name: "Load test",
    path: ".github/workflows/load.yml",
    status: loadStatus,
    conclusion: loadStatus === "completed" ? "success" : null,
  }),
];

/** One evaluation as src/engine/run.ts does it: round 1, then round 2 once the file index is known. */
async function evaluate(
  octokit: ReturnType<typeof makeOctokit>,
  sha: string,
  history?: HistoryMemory,
): Promise<Map<string, Fact<unknown>>> {
  const provider = new GitHubEvidence({
    octokit,
    owner: OWNER,
    repo: REPO,
    sha,
    ...(history ? { history } : {}),
  });
  const target: Target = { ...deployment, sha };
  const answers = new Map(await provider.collect(round1, target));
  expect((answers.get(needKey({ type: "files" })) as Fact<FileIndex>).state).toBe("ok");
  for (const [k, v] of await provider.collect(round2, target)) answers.set(k, v);
  return answers;
}

function setUp() {
  const gh = fakeGitHub();
  seedRepository(gh);
  seedCommit(gh, SHA, runsOf(SHA));
  const stats = createRequestStats();
  const cache = new EtagCache({ maxEntries: 1000, maxBytes: 8 << 20 });
  const history = new HistoryMemory();
  const octokit = withEtagCache(makeOctokit(), cache, stats);
  return { gh, stats, octokit, history };
}

const delta = (before: GitHubRequestStats, after: GitHubRequestStats) => ({
  charged: chargedRequests(after) - chargedRequests(before),
  notModified: after.notModified - before.notModified,
  cacheHits: after.cacheHits - before.cacheHits,
});

test("cold: 11 charged requests = 10 + one GraphQL query for every maxAgeDays file and file read; every answer known", async () => {
  const { gh, stats, octokit, history } = setUp();
  const answers = await evaluate(octokit, SHA, history);
  expect([...answers.values()].filter((f) => f.state !== "ok")).toEqual([]);
  const date = (p: string) => answers.get(needKey({ type: "lastChanged", path: p }));
  for (const p of AGED) expect(date(p)).toEqual({ state: "ok", value: new Date("2026-10-01T00:00:00Z") });
  for (const p of READ)
    expect(answers.get(needKey({ type: "content", path: p }))).toEqual({ state: "ok", value: text(p) });
  expect(chargedRequests(stats)).toBe(11);
  expect(gh.rec.count("POST /graphql")).toBe(1);
  expect(gh.rec.count(`GET ${REPO_PATH}/commits`) - gh.rec.count(`GET ${REPO_PATH}/commits/`)).toBe(0);
  expect(gh.rec.count(`GET ${REPO_PATH}/git/blobs`)).toBe(0);
  gh.rec.assertAllKnown();
});

test("warm, same commit: 0 charged (304s and cache hits), identical answers", async () => {
  const { gh, stats, octokit, history } = setUp();
  const cold = await evaluate(octokit, SHA, history);
  const before = structuredClone(stats);
  const warm = await evaluate(octokit, SHA, history);
  expect(warm).toEqual(cold);
  expect(delta(before, stats)).toEqual({ charged: 0, notModified: 9, cacheHits: 3 });
  gh.rec.assertAllKnown();
});

test("warm, same commit, no HistoryMemory: the per-path histories are content-addressed cache hits", async () => {
  const { gh, stats, octokit } = setUp();
  await evaluate(octokit, SHA);
  const before = structuredClone(stats);
  await evaluate(octokit, SHA);
  expect(delta(before, stats)).toEqual({ charged: 0, notModified: 9, cacheHits: 13 });
  gh.rec.assertAllKnown();
});

test("warm, same commit after a run finished: 2 charged (≤ 3)", async () => {
  const { gh, stats, octokit, history } = setUp();
  await evaluate(octokit, SHA, history);
  seedCommit(gh, SHA, runsOf(SHA, "completed"));
  const before = structuredClone(stats);
  const answers = await evaluate(octokit, SHA, history);
  const load = answers.get(needKey(round1[3]!)) as Fact<{ conclusion: string | null }[]>;
  expect(load.state === "ok" && load.value[0]?.conclusion).toBe("success");
  expect(delta(before, stats).charged).toBe(2);
  gh.rec.assertAllKnown();
});

test("next commit with the ETag cache and HistoryMemory: 7 charged (≤ 12)", async () => {
  const { gh, stats, octokit, history } = setUp();
  await evaluate(octokit, SHA, history);
  seedCommit(gh, OTHER_SHA, runsOf(OTHER_SHA));
  // One tracked runbook changed between the two commits; the other nine keep their dates.
  gh.set(`${REPO_PATH}/compare/${SHA}...${OTHER_SHA}`, {
    status: "ahead",
    ahead_by: 3,
    files: [
      { filename: "docs/runbooks/r3.md", status: "modified" },
      { filename: "src/app.ts", status: "modified" },
    ],
  });
  const before = structuredClone(stats);
  const answers = await evaluate(octokit, OTHER_SHA, history);
  expect([...answers.values()].filter((f) => f.state !== "ok")).toEqual([]);
  const date = (p: string) => answers.get(needKey({ type: "lastChanged", path: p })) as Fact<Date>;
  expect(date("docs/runbooks/r3.md")).toEqual({ state: "ok", value: new Date("2026-11-21T00:00:00Z") });
  expect(date("docs/runbooks/r4.md")).toEqual({ state: "ok", value: new Date("2026-10-01T00:00:00Z") });
  expect(delta(before, stats)).toEqual({ charged: 7, notModified: 5, cacheHits: 2 });
  gh.rec.assertAllKnown();
});

test("cold, freshness asked with `within` (as file checks do): 13 = 11 + one window of two requests", async () => {
  const NOW = new Date("2026-11-20T12:00:00Z");
  const BASE = "2222222222222222222222222222222222222222";
  const { gh, stats, octokit, history } = setUp();
  gh.set(`${REPO_PATH}/commits?sha=${SHA}&until=2026-08-22T11:00:00.000Z&per_page=100`, [
    { sha: BASE, commit: { committer: { date: "2026-08-20T09:00:00Z" } } },
  ]);
  gh.set(`${REPO_PATH}/compare/${BASE}...${SHA}?per_page=100`, {
    status: "ahead",
    total_commits: 2,
    commits: [
      { sha: BASE.replace(/2/g, "3"), commit: { committer: { date: "2026-09-01T09:00:00Z" } } },
      { sha: SHA, commit: { committer: { date: "2026-10-01T00:00:00Z" } } },
    ],
    files: AGED.slice(0, 4).map((filename) => ({ filename, status: "modified" })),
  });
  const windowed: Need[] = [
    ...READ.map((path): Need => ({ type: "content", path })),
    ...AGED.map((path): Need => ({ type: "lastChanged", path, within: 90 })),
  ];
  const evaluateWindowed = async () => {
    const provider = new GitHubEvidence({
      octokit,
      owner: OWNER,
      repo: REPO,
      sha: SHA,
      history,
      now: () => NOW,
    });
    const target: Target = { ...deployment, sha: SHA };
    const answers = new Map(await provider.collect(round1, target));
    for (const [k, v] of await provider.collect(windowed, target)) answers.set(k, v);
    return answers;
  };
  const answers = await evaluateWindowed();
  expect([...answers.values()].filter((f) => f.state !== "ok")).toEqual([]);
  const age = (p: string) => answers.get(needKey({ type: "lastChanged", path: p, within: 90 }));
  expect(age(AGED[0]!)).toEqual({ state: "ok", value: { newerThan: new Date("2026-09-01T09:00:00Z") } });
  expect(age(AGED[9]!)).toEqual({ state: "ok", value: { olderThan: new Date("2026-08-20T09:00:00Z") } });
  expect(chargedRequests(stats)).toBe(13);
  const before = structuredClone(stats);
  await evaluateWindowed();
  expect(delta(before, stats).charged).toBe(0);
  gh.rec.assertAllKnown();
});
