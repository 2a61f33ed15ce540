// Shared pieces of the GitHub provider tests: an Octokit without retries, nock scopes checked against
// GitHub's OpenAPI description, and builders for the payloads GitHub sends.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { expect } from "vitest";
import { GitHubEvidence, type GitHubEvidenceOptions } from "../../../src/evidence/github/provider.js";
import { type Fact, type Need, needKey, type Target } from "../../../src/evidence/types.js";
import { answerGraphQL } from "../../support/graphql.js";
import { type RequestRecorder, recordRequests } from "../../support/openapi.js";

export const OWNER = "acme";
export const REPO = "shop";
export const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
export const OTHER_SHA = "89e6c98d92887913cadf06b2adb97f26cde4849b";
export const REPO_PATH = `/repos/${OWNER}/${REPO}`;
export const API = "https://api.github.com";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** @octokit/rest has neither retry nor throttling plugins: every request is made exactly once. */
export function makeOctokit(token = "test-token"): Octokit {
  return new Octokit({ auth: token, log: quiet });
}

export function makeProvider(options: Partial<GitHubEvidenceOptions> = {}): GitHubEvidence {
  return new GitHubEvidence({ octokit: makeOctokit(), owner: OWNER, repo: REPO, sha: SHA, ...options });
}

/** A nock scope for api.github.com whose every request is checked against the OpenAPI description. */
export function github(): { api: nock.Scope; rec: RequestRecorder } {
  const api = nock(API);
  const rec = recordRequests(api);
  return { api, rec };
}

const histories = new WeakMap<nock.Scope, Map<string, { list: unknown[]; asked: number }>>();

/**
 * The newest commits touching `path` from `sha` (what REST's `GET /commits?sha=&path=&per_page=1` lists),
 * served the way the provider asks: GitHub's GraphQL `history(path:, first: 1)`. The scope's one POST
 * /graphql interceptor validates every query against GitHub's schema and executes it (test/support/
 * graphql.ts) over this table; a path not in it is an error on its field. expectDone checks that every
 * entry was asked exactly once.
 */
export function pathHistory(api: nock.Scope, sha: string, path: string, list: unknown[]): void {
  let table = histories.get(api);
  if (!table) {
    const t = new Map<string, { list: unknown[]; asked: number }>();
    histories.set(api, t);
    table = t;
    api
      .post("/graphql")
      .reply((_uri, body, callback) => {
        const restGet = async (pathWithQuery: string) => {
          const q = new URL(pathWithQuery, API).searchParams;
          const entry = t.get(`${q.get("sha")} ${q.get("path")}`);
          if (!entry) return undefined;
          entry.asked++;
          return entry.list.slice(0, Number(q.get("per_page") ?? 30));
        };
        answerGraphQL(body, restGet).then(
          (a) => callback(null, [a.status, a.body as nock.ReplyBody]),
          (e: Error) => callback(e, [500, { message: e.message }]),
        );
      })
      .persist();
  }
  table.set(`${sha} ${path}`, { list, asked: 0 });
}

/** Every mocked reply used (each path history asked once), every request a documented endpoint. */
export function expectDone(api: nock.Scope, rec: RequestRecorder): void {
  rec.assertAllKnown();
  expect(api.pendingMocks().filter((m) => !m.startsWith("POST ") || !m.endsWith("/graphql"))).toEqual([]);
  const asked = [...(histories.get(api) ?? [])]
    .filter(([, e]) => e.asked !== 1)
    .map(([k, e]) => [k, e.asked]);
  expect(asked).toEqual([]);
}

export const deployment: Target = {
  context: "deployment",
  repository: { owner: OWNER, name: REPO, defaultBranch: "main" },
  sha: SHA,
  deployment: { environment: "production" },
};

export const pullRequest: Target = {
  context: "pull_request",
  repository: { owner: OWNER, name: REPO, defaultBranch: "main" },
  sha: SHA,
  ref: "feature",
  pullRequest: {
    number: 42,
    baseRef: "main",
    headRef: "feature",
    headSha: SHA,
    labels: ["release", "security"],
    author: "octocat",
    url: "https://github.com/acme/shop/pull/42",
  },
};

export const release: Target = {
  context: "release",
  repository: { owner: OWNER, name: REPO, defaultBranch: "main" },
  sha: SHA,
  ref: "v1.2.0",
  release: { tag: "v1.2.0" },
};

export async function collectOne<N extends Need>(
  provider: GitHubEvidence,
  need: N,
  target: Target = deployment,
): Promise<Fact<unknown>> {
  const out = await provider.collect([need], target);
  return out.get(needKey(need))!;
}

export async function collectAll(
  provider: GitHubEvidence,
  needs: Need[],
  target: Target = deployment,
): Promise<Fact<unknown>[]> {
  const out = await provider.collect(needs, target);
  return needs.map((n) => out.get(needKey(n))!);
}

export function tree(paths: Record<string, number>, truncated = false) {
  let i = 0;
  const entries = Object.entries(paths).map(([path, size]) => ({
    path,
    mode: "100644",
    type: "blob",
    sha: blobSha(path),
    size,
    url: `${API}${REPO_PATH}/git/blobs/${blobSha(path)}`,
    _i: i++,
  }));
  const dirs = new Set<string>();
  for (const p of Object.keys(paths)) {
    const parts = p.split("/");
    for (let d = 1; d < parts.length; d++) dirs.add(parts.slice(0, d).join("/"));
  }
  return {
    sha: SHA,
    url: `${API}${REPO_PATH}/git/trees/${SHA}`,
    tree: [
      ...[...dirs].map((path) => ({ path, mode: "040000", type: "tree", sha: blobSha(`${path}/`) })),
      ...entries.map(({ _i, ...e }) => e),
    ],
    truncated,
  };
}

/** A stable fake blob SHA per path. */
/** A `contents/{dir}` listing of files, with the blob SHAs `tree` gives them (the same content). */
export function dirListing(paths: string[], sha: (path: string) => string = blobSha) {
  return paths.map((path) => {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const url = `${API}${REPO_PATH}/contents/${path}?ref=main`;
    const html = `https://github.com/${OWNER}/${REPO}/blob/main/${path}`;
    const git = `${API}${REPO_PATH}/git/blobs/${sha(path)}`;
    return {
      type: "file",
      size: 300,
      name,
      path,
      sha: sha(path),
      url,
      git_url: git,
      html_url: html,
      download_url: `https://raw.githubusercontent.com/${OWNER}/${REPO}/main/${path}`,
      _links: { self: url, git, html },
    };
  });
}

export function blobSha(path: string): string {
  let h = 0x811c9dc5;
  for (const c of path) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return (h.toString(16).padStart(8, "0") + "0".repeat(32)).slice(0, 40);
}

let runId = 1000;
export function workflowRun(over: Record<string, unknown> = {}) {
  const id = (over.id as number | undefined) ?? ++runId;
  return {
    id,
    name: "CI",
    path: ".github/workflows/ci.yml",
    head_sha: SHA,
    head_branch: "main",
    event: "push",
    status: "completed",
    conclusion: "success",
    created_at: "2026-11-20T10:00:00Z",
    html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${id}`,
    ...over,
  };
}

export function commitItem(date: string, sha = OTHER_SHA) {
  return {
    sha,
    commit: { author: { date }, committer: { date }, message: "docs: update" },
    parents: [{ sha: SHA }],
  };
}

export const permissionDenied = {
  message: "Resource not accessible by integration",
  documentation_url: "https://docs.github.com/rest/dependabot/alerts#list-dependabot-alerts-for-a-repository",
  status: "403",
};
