// The provider behind the real engine and check kinds: a policy evaluated end to end against a mocked
// GitHub, so the shapes of the answers are the ones the kinds read. The ledger is stubbed (a colleague's).
import { strToU8, zipSync } from "fflate";
import nock from "nock";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { runEvaluation } from "../../../src/engine/run.js";
import { GitHubEvidence } from "../../../src/evidence/github/provider.js";
import { parsePolicy } from "../../../src/policy/load.js";
import { fakeGitHub } from "./fake-github.js";
import {
  blobSha,
  dirListing,
  makeOctokit,
  OWNER,
  pullRequest,
  REPO,
  REPO_PATH,
  SHA,
  tree,
  workflowRun,
} from "./fixtures.js";

vi.mock("../../../src/evidence/github/ledger.js", () => ({
  fetchLedger: async () => ({ entries: [], actors: {}, pullRequests: [{ number: 42 }] }),
}));

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const POLICY = `
version: 1
gate: { minScore: 50 }
checks:
  readme: { file: { path: README.md, minBytes: 10 } }
  runbook: { file: { path: docs/runbook.md, maxAgeDays: 30 } }
  security: { file: { path: SECURITY.md, contains: "security@" } }
  ci: { workflow: { file: ci.yml } }
  jenkins: { status: { name: jenkins } }
  coverage: { artifact: { workflow: ci.yml, name: coverage, json: { file: coverage.json, path: totals.percent, atLeast: 80 } } }
  rules: { branch: { requiresChecks: [CI / test], minReviews: 1 } }
  alerts: { alerts: { sources: [dependabot], maxSeverity: medium } }
  labels: { pr: { labels: [release] } }
`;

test("a policy evaluated end to end through GitHubEvidence", async () => {
  const gh = fakeGitHub();
  gh.set(
    `${REPO_PATH}/git/trees/${SHA}?recursive=1`,
    tree({ "README.md": 200, "docs/runbook.md": 500, "SECURITY.md": 40, ".github/workflows/ci.yml": 300 }),
  );
  gh.set(`${REPO_PATH}/git/blobs/${blobSha("SECURITY.md")}`, "Report issues to security@acme.test\n");
  gh.set(`${REPO_PATH}/commits?sha=${SHA}&path=docs/runbook.md&per_page=1`, [
    { sha: SHA, commit: { committer: { date: "2026-11-10T00:00:00Z" } } },
  ]);
  gh.set(`${REPO_PATH}/actions/runs?head_sha=${SHA}&per_page=100`, {
    workflow_runs: [workflowRun({ id: 5 })],
  });
  gh.set(`${REPO_PATH}/actions/runs/5/artifacts?name=coverage`, {
    artifacts: [{ id: 8, name: "coverage", size_in_bytes: 500, expired: false }],
  });
  // The base branch's workflow files: ci.yml is the same blob as the head's, so its runs count.
  gh.set(`${REPO_PATH}/contents/.github%2Fworkflows?ref=main`, dirListing([".github/workflows/ci.yml"]));
  gh.set(`${REPO_PATH}/commits/${SHA}/check-runs?per_page=100`, { check_runs: [] });
  gh.set(`${REPO_PATH}/commits/${SHA}/status?per_page=100`, {
    statuses: [{ context: "jenkins", state: "success" }],
  });
  gh.set(`${REPO_PATH}/rules/branches/main?per_page=100`, [
    { type: "required_status_checks", parameters: { required_status_checks: [{ context: "CI / test" }] } },
    { type: "pull_request", parameters: { required_approving_review_count: 1 } },
  ]);
  gh.set(`${REPO_PATH}/branches/main`, { name: "main", protected: true });
  gh.set(`${REPO_PATH}/dependabot/alerts?state=open&per_page=100`, [
    { number: 1, security_advisory: { summary: "ReDoS", severity: "low" } },
  ]);
  gh.set(`${REPO_PATH}/pulls/42/files?per_page=100`, [{ filename: "src/app.ts" }]);
  const zip = zipSync({ "coverage.json": strToU8(JSON.stringify({ totals: { percent: 91.5 } })) });
  gh.fixed(`${REPO_PATH}/actions/artifacts/8/zip`, 302, "", { location: "https://storage.example/8.zip" });
  nock("https://storage.example")
    .get("/8.zip")
    .reply(200, Buffer.from(zip), { "content-type": "application/zip" });

  const { ok, ...rest } = parsePolicy(POLICY, ".readiness.yml");
  if (!ok) throw new Error(JSON.stringify(rest));
  const policy = (rest as { policy: Parameters<typeof runEvaluation>[0]["policy"] }).policy;
  const provider = new GitHubEvidence({ octokit: makeOctokit(), owner: OWNER, repo: REPO, sha: SHA });
  const report = await runEvaluation({
    policy,
    provider,
    target: pullRequest,
    now: new Date("2026-11-22T00:00:00Z"),
  });

  const statuses = Object.fromEntries(report.checks.map((c) => [c.id, `${c.status}: ${c.summary}`]));
  for (const id of [
    "readme",
    "runbook",
    "security",
    "ci",
    "jenkins",
    "coverage",
    "rules",
    "alerts",
    "labels",
  ]) {
    expect(statuses[id], `${id} → ${statuses[id]}`).toMatch(/^pass/);
  }
  gh.rec.assertAllKnown();
});

test("a glob with maxAgeDays on GitHub: a fresh file past the 50th match passes, in 3 requests (issue 9, item 3)", async () => {
  const NOW = new Date("2026-11-20T12:00:00Z");
  const BASE = "1111111111111111111111111111111111111111";
  const files: Record<string, number> = { "docs/aaa.md": 10 };
  for (let i = 0; i < 60; i++) files[`docs/page-${String(i).padStart(2, "0")}.md`] = 10;
  files["docs/zz/fresh.md"] = 10;
  const gh = fakeGitHub();
  gh.set(`${REPO_PATH}/git/trees/${SHA}?recursive=1`, tree(files));
  // 90-day window: cutoff NOW − 90 days − 10 minutes, rounded down to the hour.
  gh.set(`${REPO_PATH}/commits?sha=${SHA}&until=2026-08-22T11:00:00.000Z&per_page=100`, [
    { sha: BASE, commit: { committer: { date: "2026-08-01T00:00:00Z" } } },
  ]);
  gh.set(`${REPO_PATH}/compare/${BASE}...${SHA}?per_page=100`, {
    status: "ahead",
    total_commits: 1,
    commits: [{ sha: SHA, commit: { committer: { date: "2026-11-11T12:00:00Z" } } }],
    files: [{ filename: "docs/zz/fresh.md", status: "modified" }],
  });
  const { ok, ...rest } = parsePolicy(
    'version: 1\nchecks:\n  docs: { file: { path: "docs/**/*.md", maxAgeDays: 90 } }\n',
    ".readiness.yml",
  );
  if (!ok) throw new Error(JSON.stringify(rest));
  const policy = (rest as { policy: Parameters<typeof runEvaluation>[0]["policy"] }).policy;
  const provider = new GitHubEvidence({
    octokit: makeOctokit(),
    owner: OWNER,
    repo: REPO,
    sha: SHA,
    now: () => NOW,
  });
  const report = await runEvaluation({ policy, provider, target: pullRequest, now: NOW });
  expect(report.checks[0]).toMatchObject({
    status: "pass",
    summary: "docs/zz/fresh.md present, changed within the last 90 days",
  });
  expect(provider.requestCount.issued).toBe(3);
});
