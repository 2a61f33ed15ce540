// What the App passes: Probot's installation Octokit (auth-app, retry plugin on). The provider and the ETag
// hook must accept it, key the cache by installation, and survive the retry plugin around a 304.
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import pino from "pino";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, expect, test } from "vitest";
import { createRequestStats, EtagCache, withEtagCache } from "../../../src/evidence/github/etag-cache.js";
import { GitHubEvidence } from "../../../src/evidence/github/provider.js";
import type { Need } from "../../../src/evidence/types.js";
import { fakeGitHub } from "./fake-github.js";
import { API, deployment, OWNER, REPO, REPO_PATH, SHA, workflowRun } from "./fixtures.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function installationOctokit(installationId: number) {
  return new ProbotOctokit({
    auth: { appId: 1, privateKey, installationId },
    log: pino({ level: "silent" }),
    throttle: { enabled: false },
  });
}

test("Probot's installation Octokit: typed, cached per installation, 304s pass the retry plugin", async () => {
  const tokens = nock(API)
    .persist()
    .post(/\/app\/installations\/\d+\/access_tokens/)
    .reply(201, () => ({
      token: `ghs_${Math.random().toString(36).slice(2)}`,
      expires_at: "2099-01-01T00:00:00Z",
      permissions: { actions: "read" },
    }));
  const gh = fakeGitHub();
  gh.set(`${REPO_PATH}/actions/runs?head_sha=${SHA}&per_page=100`, {
    workflow_runs: [workflowRun({ id: 1 })],
  });
  const cache = new EtagCache({ maxEntries: 10, maxBytes: 1 << 20 });
  const stats = createRequestStats();
  const need: Need = { type: "workflowRuns", workflow: { name: "CI" } };
  const evaluate = (installationId: number) => {
    const octokit = withEtagCache(installationOctokit(installationId), cache, stats);
    const log = pino({ level: "silent" });
    return new GitHubEvidence({ octokit, owner: OWNER, repo: REPO, sha: SHA, log }).collect(
      [need],
      deployment,
    );
  };

  const first = await evaluate(77);
  const again = await evaluate(77);
  const other = await evaluate(78);
  expect(again).toEqual(first);
  expect(other).toEqual(first);
  expect(gh.served).toEqual({ "200": 2, "304": 1 });
  expect(stats.byStatus).toEqual({ "201": 3, "200": 2, "304": 1 });
  expect(gh.rec.requests.map((r) => r.headers["if-none-match"] !== undefined)).toEqual([false, true, false]);
  expect(gh.rec.requests.every((r) => r.headers.authorization?.startsWith("token ghs_"))).toBe(true);
  gh.rec.assertAllKnown();
  tokens.persist(false);
});
