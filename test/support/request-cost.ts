// GitHub requests per evaluation of the largest policy in examples/ on a release pull request, measured
// against an in-process GitHub (nock, test/evidence/github/fake-github.ts) that holds a modelled repository:
// ~600 files, 400 daily commits (the files under maxAgeDays last changed 5 and 3 weeks ago), workflow runs
// with artifacts, open alerts of the three scanners, and a pull request whose comments hold a sign-off.
//
// One scenario, three evaluations sharing one ETag cache and one HistoryMemory, as the App shares them:
//   cold  the head commit, nothing cached (a fresh process)
//   warm  the same commit ten minutes later (a re-run, a label change), after the App published its result
//   next  the commit after one more push (two files changed, new runs), an hour later
// Each evaluation is split the way the App spends requests:
//   policy      the base branch's .readiness.yml (and the head's, which the App reads to validate changes)
//   evidence    GitHubEvidence.collect for every need, the ledger of slash commands included
//   publishing  the check run and the sticky comment: reads and writes, reported apart (not evaluation)
// "charged" counts requests that reach GitHub and count against the rate limit: a 304 is not charged, an
// answer from the cache is no request at all. Used by test/evidence/github/examples-cost.test.ts; a bench
// script may import measureRequestCost and print formatCost.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Octokit } from "@octokit/rest";
import { zipSync } from "fflate";
import nock from "nock";
import type { AppOctokit } from "../../src/app/octokit.js";
import { upsertSticky } from "../../src/app/publish/comment.js";
import { RunPublisher } from "../../src/app/publish/publisher.js";
import { runEvaluation } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import {
  chargedRequests,
  createRequestStats,
  EtagCache,
  type GitHubRequestStats,
  withEtagCache,
} from "../../src/evidence/github/etag-cache.js";
import { HistoryMemory } from "../../src/evidence/github/history.js";
import { findChangedPolicy, findPolicy, remoteFetcher } from "../../src/evidence/github/policy-source.js";
import { GitHubEvidence, type GitHubEvidenceOptions } from "../../src/evidence/github/provider.js";
import { encodeRecord, recordMarker } from "../../src/evidence/ledger-record.js";
import type { Target } from "../../src/evidence/types.js";
import { loadPolicy } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/schema.js";
import { reportResult } from "../../src/report/check-run.js";
import { COMMENT_MARKER, renderComment } from "../../src/report/markdown.js";
import { type FakeGitHub, fakeGitHub } from "../evidence/github/fake-github.js";
import { checkEndpoint } from "./openapi.js";

export const EXAMPLE_POLICY = fileURLToPath(
  new URL("../../examples/telemetry-pipeline-000.readiness.yml", import.meta.url),
);

const API = "https://api.github.com";
const CODELOAD = "https://codeload.github.com";
const STORAGE = "https://productionresultssa1.blob.core.windows.net";
const OWNER = "telemetry";
const REPO = "pipeline";
const REPO_PATH = `/repos/${OWNER}/${REPO}`;
const BASE_REF = "release/1.x";
const PR = 128;
const APP_ID = 4242;
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The head commit is pushed two hours before the cold evaluation. */
const COLD_AT = new Date("2026-11-20T12:00:00Z");
const COMMITS = 400;

// ------------------------------------------------------------------ the repository

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const gitBlobSha = (content: string) => sha1(`blob ${Buffer.byteLength(content)}\u0000${content}`);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Text each `contains` of the policy looks for, by path. */
const KEYWORDS: Record<string, string> = {
  ".github/workflows/release.yml":
    "      - run: cosign sign-blob --yes dist/*.whl\n      - run: syft dir:. -o spdx-json\n",
  ".github/workflows/ci.yml": "      - run: pip-audit --strict\n",
  ".pip-audit.toml": '[tool.pip-audit]\nvulnerability-service = "osv"\n',
  "src/telemetry/auth/audit.py": "AUDIT_LOG = 'audit.jsonl'\n",
  "src/telemetry/logging.py": "import json\n",
  "schemas/explainability.schema.json": '{ "version": "2.1", "type": "object" }\n',
  "src/telemetry/config.py": "schema_version = 3\n",
  "docs/RUNBOOK.md": "## Recovery\nRestart the collectors, then replay the spool.\n",
};

/** Every path the example policy names, and a few for its globs. */
const POLICY_PATHS = [
  "docs/RELEASE_PROCESS.md",
  ".github/workflows/ci.yml",
  ".github/workflows/release.yml",
  ".github/workflows/publish.yml",
  ".github/workflows/load.yml",
  "docs/PROMOTION.md",
  "docs/THREAT_MODEL.md",
  ".pip-audit.toml",
  "src/telemetry/secrets/providers.py",
  "docs/SECRETS_INTEGRATION.md",
  "src/telemetry/auth/rbac.py",
  "src/telemetry/auth/audit.py",
  "src/telemetry/auth/access_log.py",
  "docs/SECRETS_ROTATION.md",
  "docs/DATA_CLASSIFICATION.md",
  "src/telemetry/logging.py",
  "src/telemetry/metrics.py",
  "src/telemetry/tracing.py",
  "src/telemetry/alerting.py",
  "dashboards/pipeline.json",
  "dashboards/collectors.json",
  "alerting/rules.yml",
  "src/telemetry/collectors/retry.py",
  "src/telemetry/collectors/breaker.py",
  "src/telemetry/shutdown.py",
  "src/telemetry/storage/atomic.py",
  "tests/test_idempotency.py",
  "deploy/prod/resources.yaml",
  "deploy/staging/resources.yaml",
  "docs/PERFORMANCE_BASELINE.md",
  "docs/PROFILING.md",
  "src/telemetry/collectors/parallel.py",
  "migrations/0001_initial.py",
  "migrations/0002_scores.py",
  "src/telemetry/validation.py",
  "tests/test_schema_compat.py",
  "src/telemetry/audit_trail.py",
  "schemas/explainability.schema.json",
  "src/telemetry/config.py",
  "config/defaults.yaml",
  "docs/DEFAULTS.md",
  "src/telemetry/flags.py",
  "src/telemetry/secrets/injection.py",
  "tests/test_secrets_injection.py",
  "docs/config/staging.yaml",
  "docs/config/prod.yaml",
  "src/telemetry/config_drift.py",
  "docs/RUNBOOK.md",
  "docs/SLO_SLI.md",
  "docs/INCIDENT_RESPONSE.md",
  "docs/CAPACITY_PLANNING.md",
  "docs/RETENTION.md",
  "docs/CHANGE_MANAGEMENT.md",
  "docs/ROLLOUT_CHECKLIST.md",
  "tests/integration/test_pipeline.py",
  "tests/integration/test_collectors.py",
  "tests/regression/test_scores.py",
  "tests/chaos/test_faults.py",
  "tests/test_auth.py",
  "tests/test_roles.py",
  "docs/DEPLOYMENT.md",
  "docs/OPERATOR_GUIDE.md",
  "docs/TROUBLESHOOTING.md",
  "docs/API_REFERENCE.md",
  "CHANGELOG.md",
  "docs/TRACING_CONVENTIONS.md",
  "docs/ACCESS_CONTROL.md",
  "docs/ALERTING.md",
  "docs/ALERT_ROUTING.md",
];

/** Files in the repository besides the policy's: modules, tests, notes, assets, fixtures. */
export const FILLER = [
  ...Array.from({ length: 140 }, (_, i) => `src/telemetry/modules/module_${i}.py`),
  ...Array.from({ length: 140 }, (_, i) => `tests/unit/test_module_${i}.py`),
  ...Array.from({ length: 60 }, (_, i) => `docs/notes/note_${i}.md`),
  ...Array.from({ length: 120 }, (_, i) => `web/static/asset_${i}.js`),
  ...Array.from({ length: 80 }, (_, i) => `data/fixtures/fixture_${i}.json`),
];

/** Commit index → when; the last of the 400 (the cold head) two hours before the cold evaluation. */
const commitDate = (i: number) =>
  i < COMMITS
    ? new Date(COLD_AT.getTime() - 2 * HOUR - (COMMITS - 1 - i) * DAY)
    : new Date(COLD_AT.getTime() + HOUR);

interface Model {
  shas: string[];
  /** Path → commit indexes touching it, ascending. */
  touches: Map<string, number[]>;
  blobs: Map<string, string>;
}

function buildModel(): Model {
  const random = rng(7);
  const paths = [...POLICY_PATHS, ...FILLER];
  const touches = new Map<string, number[]>(paths.map((p) => [p, [0]]));
  const touch = (p: string, i: number) => touches.get(p)!.push(i);
  for (let i = 1; i < COMMITS; i++) {
    for (let k = 0; k < 3; k++) touch(FILLER[Math.floor(random() * FILLER.length)]!, i);
    if (i % 23 === 0) touch(POLICY_PATHS[Math.floor(random() * POLICY_PATHS.length)]!, i);
  }
  // Files under a freshness rule: the threat model 5 weeks ago, the runbook 3 weeks ago.
  touch("docs/THREAT_MODEL.md", COMMITS - 1 - 35);
  touch("docs/RUNBOOK.md", COMMITS - 1 - 21);
  // The next push (commit 400): the config (a `contains` file) and one module.
  touch("src/telemetry/config.py", COMMITS);
  touch("src/telemetry/modules/module_7.py", COMMITS);
  for (const list of touches.values()) list.sort((a, b) => a - b);
  const shas = Array.from({ length: COMMITS + 1 }, (_, i) => sha1(`${OWNER}/${REPO} commit ${i}`));
  return { shas, touches: new Map([...touches].map(([p, l]) => [p, [...new Set(l)]])), blobs: new Map() };
}

/** When `path` last changed at the head of the cold evaluation, in the model: the truth to check answers by. */
export function modelLastChange(path: string): Date | null {
  const v = versionAt(buildModel(), path, COMMITS - 1);
  return v === undefined ? null : commitDate(v);
}

/** The moment of the cold evaluation. */
export const COLD_EVALUATION_AT = COLD_AT;

function content(path: string, version: number): string {
  const random = rng(version * 7919 + path.length * 104729 + path.charCodeAt(path.length - 1));
  const lines = [`# ${path} (revision ${version})`, KEYWORDS[path] ?? ""];
  const size = path.startsWith("web/") ? 160 : 40;
  for (let i = 0; i < size; i++)
    lines.push(`line ${i}: ${Math.floor(random() * 1e12).toString(36)} ${"x".repeat(i % 17)}`);
  return `${lines.join("\n")}\n`;
}

/** The version (commit index) of `path` at commit `head`, or undefined before it existed. */
function versionAt(m: Model, path: string, head: number): number | undefined {
  let found: number | undefined;
  for (const i of m.touches.get(path) ?? []) if (i <= head) found = i;
  return found;
}

function filesAt(m: Model, head: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const path of m.touches.keys()) {
    const v = versionAt(m, path, head);
    if (v === undefined) continue;
    const text = content(path, v);
    const sha = gitBlobSha(text);
    m.blobs.set(sha, text);
    out.set(path, text);
  }
  return out;
}

function commitItem(m: Model, i: number) {
  const date = commitDate(i).toISOString();
  return {
    sha: m.shas[i]!,
    commit: {
      author: { name: "dev", email: "dev@example.com", date },
      committer: { name: "dev", email: "dev@example.com", date },
      message: `change ${i}`,
    },
    parents: i > 0 ? [{ sha: m.shas[i - 1]! }] : [],
  };
}

// ------------------------------------------------------------------ GitHub's answers

interface World {
  m: Model;
  /** Check runs this App created, by commit. */
  checkRuns: Map<
    string,
    { id: number; name: string; status: string; conclusion: string | null; external_id: string }[]
  >;
  /** Check suites by commit: Actions' at push time, this App's once it creates a run. */
  suites: Map<string, { id: number; app: { id: number; slug: string }; created_at: string }[]>;
  comments: {
    id: number;
    body: string;
    user: { login: string; type: string };
    created_at: string;
    updated_at: string;
    html_url: string;
    performed_via_github_app: { id: number } | null;
  }[];
  /** Workflow runs by head commit index. */
  runs: Map<number, ReturnType<typeof workflowRun>[]>;
  clock: Date;
  /** The .readiness.yml text on every ref. */
  policy: string;
}

function workflowRun(m: Model, head: number, id: number, name: string, file: string) {
  const created = new Date(commitDate(head).getTime() + 60_000).toISOString();
  return {
    id,
    name,
    path: `.github/workflows/${file}`,
    head_sha: m.shas[head]!,
    head_branch: "prep/1.4.0",
    event: "pull_request",
    status: "completed",
    conclusion: "success",
    created_at: created,
    updated_at: created,
    html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${id}`,
  };
}

const ARTIFACTS: Record<string, { file: string; json: unknown; workflow: string }> = {
  "load-summary": { file: "summary.json", json: { passed: true, p95_ms: 180 }, workflow: "load.yml" },
  coverage: { file: "coverage.json", json: { totals: { percent_covered: 86.4 } }, workflow: "ci.yml" },
};

const artifactId = (runId: number, name: string) => runId * 10 + (name === "coverage" ? 1 : 2);

function artifactsOf(run: { id: number; path: string; head_sha: string; created_at: string }) {
  return Object.entries(ARTIFACTS)
    .filter(([, a]) => run.path.endsWith(a.workflow))
    .map(([name]) => ({
      id: artifactId(run.id, name),
      name,
      size_in_bytes: 512,
      expired: false,
      created_at: run.created_at,
      workflow_run: { id: run.id, head_sha: run.head_sha },
    }));
}

const ALERTS = {
  dependabot: [
    {
      number: 3,
      state: "open",
      html_url: `https://github.com/${OWNER}/${REPO}/security/dependabot/3`,
      dependency: { package: { name: "urllib3" } },
      security_advisory: { summary: "Proxy-Authorization header kept on redirect", severity: "medium" },
    },
  ],
  "code-scanning": [
    {
      number: 11,
      state: "open",
      html_url: `https://github.com/${OWNER}/${REPO}/security/code-scanning/11`,
      rule: {
        id: "py/clear-text-logging",
        description: "Clear-text logging",
        severity: "warning",
        security_severity_level: "low",
      },
      most_recent_instance: { location: { path: "src/telemetry/logging.py" } },
    },
  ],
  "secret-scanning": [] as unknown[],
};

function handler(w: World): (pathWithQuery: string) => unknown {
  const { m } = w;
  const indexOf = (sha: string) => m.shas.indexOf(sha);
  return (pathWithQuery) => {
    const url = new URL(pathWithQuery, API);
    const q = url.searchParams;
    const rest = url.pathname.startsWith(`${REPO_PATH}/`) ? url.pathname.slice(REPO_PATH.length + 1) : null;
    if (url.pathname === `/orgs/${OWNER}/teams/security/memberships/alice`)
      return {
        state: "active",
        role: "member",
        url: `${API}/orgs/${OWNER}/teams/security/memberships/alice`,
      };
    if (rest === null) return undefined;
    const match = (re: RegExp) => rest.match(re) ?? [];

    if (rest === "contents/.readiness.yml") {
      const ref = q.get("ref");
      return ref === BASE_REF || (ref && indexOf(ref) >= 0) ? w.policy : undefined;
    }
    if (rest === "contents/.github%2Fworkflows") {
      // The base branch holds the workflow files the head has (the pull request does not change them).
      const ref = q.get("ref");
      const at = ref === BASE_REF ? COMMITS - 1 : indexOf(ref ?? "");
      if (at < 0) return undefined;
      return [...filesAt(m, at)]
        .filter(([p]) => /^\.github\/workflows\/[^/]+$/.test(p))
        .map(([path, text]) => {
          const self = `${API}${REPO_PATH}/contents/${path}?ref=${ref}`;
          const git = `${API}${REPO_PATH}/git/blobs/${gitBlobSha(text)}`;
          const html = `https://github.com/${OWNER}/${REPO}/blob/${ref}/${path}`;
          return {
            type: "file",
            size: Buffer.byteLength(text),
            name: path.slice(path.lastIndexOf("/") + 1),
            path,
            sha: gitBlobSha(text),
            url: self,
            git_url: git,
            html_url: html,
            download_url: null,
            _links: { self, git, html },
          };
        });
    }
    const [, treeSha] = match(/^git\/trees\/([0-9a-f]{40})$/);
    if (treeSha) {
      const head = indexOf(treeSha);
      if (head < 0) return undefined;
      const files = filesAt(m, head);
      const dirs = new Set<string>();
      for (const p of files.keys()) {
        const parts = p.split("/");
        for (let d = 1; d < parts.length; d++) dirs.add(parts.slice(0, d).join("/"));
      }
      return {
        sha: sha1(`tree ${head}`),
        url: `${API}${REPO_PATH}/git/trees/${sha1(`tree ${head}`)}`,
        tree: [
          ...[...dirs].map((path) => ({
            path,
            mode: "040000",
            type: "tree",
            sha: sha1(`dir ${path} ${head}`),
          })),
          ...[...files].map(([path, text]) => ({
            path,
            mode: "100644",
            type: "blob",
            sha: gitBlobSha(text),
            size: Buffer.byteLength(text),
          })),
        ].sort((a, b) => (a.path < b.path ? -1 : 1)),
        truncated: false,
      };
    }
    const [, blob] = match(/^git\/blobs\/([0-9a-f]{40})$/);
    if (blob) return m.blobs.get(blob);
    const [, commitSha] = match(/^git\/commits\/([0-9a-f]{40})$/);
    if (commitSha) {
      const i = indexOf(commitSha);
      if (i < 0) return undefined;
      const item = commitItem(m, i);
      return {
        sha: item.sha,
        author: item.commit.author,
        committer: item.commit.committer,
        message: item.commit.message,
        parents: item.parents,
      };
    }
    if (rest === "commits") {
      const head = indexOf(q.get("sha") ?? "");
      if (head < 0) return undefined;
      const path = q.get("path");
      const until = q.get("until");
      const perPage = Number(q.get("per_page") ?? 30);
      const out: ReturnType<typeof commitItem>[] = [];
      for (let i = head; i >= 0 && out.length < perPage; i--) {
        if (path !== null && !(m.touches.get(path) ?? []).includes(i)) continue;
        if (until !== null && commitDate(i).getTime() > Date.parse(until)) continue;
        out.push(commitItem(m, i));
      }
      return out;
    }
    const [, from, to] = match(/^compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})$/);
    if (from && to) {
      const base = indexOf(from);
      const head = indexOf(to);
      if (base < 0 || head < 0) return undefined;
      if (base > head)
        return {
          status: "behind",
          ahead_by: 0,
          behind_by: base - head,
          total_commits: 0,
          commits: [],
          files: [],
        };
      const changed = [...m.touches].filter(([, l]) => l.some((i) => i > base && i <= head)).map(([p]) => p);
      const commits = Array.from({ length: head - base }, (_, k) => commitItem(m, base + 1 + k));
      // Paged (per_page), the first page holds the oldest commits; unpaged, the newest 250.
      const perPage = q.get("per_page");
      return {
        status: base === head ? "identical" : "ahead",
        ahead_by: head - base,
        behind_by: 0,
        total_commits: head - base,
        base_commit: commitItem(m, base),
        merge_base_commit: commitItem(m, base),
        commits: perPage ? commits.slice(0, Number(perPage)) : commits.slice(-250),
        files: changed.slice(0, 300).map((filename) => ({ filename, status: "modified" })),
      };
    }
    if (rest === "actions/runs") {
      const head = indexOf(q.get("head_sha") ?? "");
      const runs = w.runs.get(head) ?? [];
      return { total_count: runs.length, workflow_runs: runs };
    }
    const [, runId] = match(/^actions\/runs\/(\d+)\/artifacts$/);
    if (runId) {
      const run = [...w.runs.values()].flat().find((r) => r.id === Number(runId));
      if (!run) return undefined;
      const list = artifactsOf(run).filter((a) => !q.get("name") || a.name === q.get("name"));
      return { total_count: list.length, artifacts: list };
    }
    if (rest === "actions/artifacts") {
      const list = [...w.runs.values()]
        .flat()
        .flatMap(artifactsOf)
        .filter((a) => !q.get("name") || a.name === q.get("name"))
        .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
      return { total_count: list.length, artifacts: list.slice(0, Number(q.get("per_page") ?? 30)) };
    }
    if (
      rest === "dependabot/alerts" ||
      rest === "code-scanning/alerts" ||
      rest === "secret-scanning/alerts"
    ) {
      return ALERTS[rest.split("/")[0] as keyof typeof ALERTS];
    }
    if (rest === `issues/${PR}/comments`) {
      const page = Number(q.get("page") ?? 1);
      const per = Number(q.get("per_page") ?? 30);
      return w.comments.slice((page - 1) * per, page * per);
    }
    if (rest === "collaborators/alice/permission")
      return { permission: "write", role_name: "write", user: { login: "alice" } };
    const [, suitesOf] = match(/^commits\/([0-9a-f]{40})\/check-suites$/);
    if (suitesOf) {
      const suites = w.suites.get(suitesOf) ?? [];
      return { total_count: suites.length, check_suites: suites };
    }
    const [, runsOf] = match(/^commits\/([0-9a-f]{40})\/check-runs$/);
    if (runsOf) {
      const runs = (w.checkRuns.get(runsOf) ?? []).filter(
        (r) => !q.get("check_name") || r.name === q.get("check_name"),
      );
      return {
        total_count: runs.length,
        check_runs: runs.map((r) => ({
          ...r,
          app: { id: APP_ID, slug: "readiness-gate" },
          html_url: `https://github.com/${OWNER}/${REPO}/runs/${r.id}`,
        })),
      };
    }
    return undefined;
  };
}

function zipOf(files: Map<string, string>, prefix: string): Uint8Array {
  const entries: Record<string, Uint8Array> = { [`${prefix}/`]: new Uint8Array(0) };
  for (const [path, text] of files) entries[`${prefix}/${path}`] = Buffer.from(text);
  return zipSync(entries, { level: 6 });
}

/** Serves the archives GitHub redirects to (codeload, artifact storage) and the App's writes. */
function sideScopes(w: World): nock.Scope[] {
  const { m } = w;
  const codeload = nock(CODELOAD)
    .persist()
    .get(/\/legacy\.zip\//)
    .reply((uri) => {
      const sha = uri.split("/legacy.zip/")[1]!.split("?")[0]!;
      const head = m.shas.indexOf(sha);
      if (head < 0) return [404, "Not Found"];
      const zip = zipOf(filesAt(m, head), `${OWNER}-${REPO}-${sha.slice(0, 7)}`);
      return [
        200,
        Buffer.from(zip),
        { "content-type": "application/zip", "content-length": String(zip.byteLength) },
      ];
    });
  const storage = nock(STORAGE)
    .persist()
    .get(/\/artifacts\//)
    .reply((uri) => {
      const name = uri.split("/artifacts/")[1]!.split("?")[0]!.split("/")[1]!;
      const a = ARTIFACTS[name];
      if (!a) return [404, "BlobNotFound"];
      const zip = zipSync({ [a.file]: Buffer.from(JSON.stringify(a.json)) });
      return [200, Buffer.from(zip), { "content-type": "application/zip" }];
    });
  let nextId = 9000;
  const writes = nock(API)
    .persist()
    .post(`${REPO_PATH}/check-runs`)
    .reply((_uri, body) => {
      const b = body as {
        name: string;
        head_sha: string;
        status?: string;
        conclusion?: string;
        external_id?: string;
      };
      const run = {
        id: nextId++,
        name: b.name,
        status: b.status ?? "queued",
        conclusion: b.conclusion ?? null,
        external_id: b.external_id ?? "",
      };
      w.checkRuns.set(b.head_sha, [...(w.checkRuns.get(b.head_sha) ?? []), run]);
      const suites = w.suites.get(b.head_sha) ?? [];
      if (!suites.some((s) => s.app.id === APP_ID))
        w.suites.set(b.head_sha, [
          ...suites,
          { id: nextId++, app: { id: APP_ID, slug: "readiness-gate" }, created_at: w.clock.toISOString() },
        ]);
      return [201, { ...run, html_url: `https://github.com/${OWNER}/${REPO}/runs/${run.id}` }];
    })
    .patch(/\/check-runs\/\d+$/)
    .reply((uri, body) => {
      const id = Number(uri.split("/").pop());
      const run = [...w.checkRuns.values()].flat().find((r) => r.id === id);
      if (!run) return [404, { message: "Not Found" }];
      Object.assign(run, body as object);
      return [200, { ...run, html_url: `https://github.com/${OWNER}/${REPO}/runs/${run.id}` }];
    })
    .post(`${REPO_PATH}/issues/${PR}/comments`)
    .reply((_uri, body) => {
      const at = w.clock.toISOString();
      const c = {
        id: nextId++,
        body: (body as { body: string }).body,
        user: { login: "readiness-gate[bot]", type: "Bot" },
        created_at: at,
        updated_at: at,
        html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${nextId}`,
        performed_via_github_app: { id: APP_ID },
      };
      w.comments.push(c);
      return [201, c];
    })
    .patch(/\/issues\/comments\/\d+$/)
    .reply((uri, body) => {
      const c = w.comments.find((x) => x.id === Number(uri.split("/").pop()));
      if (!c) return [404, { message: "Not Found" }];
      c.body = (body as { body: string }).body;
      c.updated_at = w.clock.toISOString();
      return [200, c];
    });
  return [codeload, storage, writes];
}

function seed(gh: FakeGitHub, w: World): void {
  const { m } = w;
  gh.resolve = handler(w);
  for (let i = 0; i <= COMMITS; i++) {
    const sha = m.shas[i]!;
    gh.fixed(`${REPO_PATH}/zipball/${sha}`, 302, "", {
      location: `${CODELOAD}/${OWNER}/${REPO}/legacy.zip/${sha}?token=AAAAEPHEMERAL`,
    });
  }
  // Nightly builds on main over the last weeks: older artifacts on the repository-wide listing.
  for (let d = 1; d <= 40; d++) {
    const id = 7000 + d;
    const run = workflowRun(
      m,
      COMMITS - 1 - d,
      id,
      d % 2 ? "CI" : "Load test",
      d % 2 ? "ci.yml" : "load.yml",
    );
    w.runs.set(-d, [{ ...run, head_sha: sha1(`nightly ${d}`), head_branch: "main", event: "schedule" }]);
  }
  push(gh, w, COMMITS - 1);
  const comment = (id: number, login: string, body: string, daysAgo: number) => {
    const at = new Date(COLD_AT.getTime() - daysAgo * DAY).toISOString();
    return {
      id,
      body,
      user: { login, type: "User" },
      created_at: at,
      updated_at: at,
      html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${id}`,
      performed_via_github_app: null,
    };
  };
  const signoff = comment(
    3,
    "alice",
    "Reviewed the threat model delta.\n\n/readiness signoff security-review",
    0.05,
  );
  w.comments.push(
    comment(1, "carol", "Release 1.4.0: collectors v2, new scoring model.", 3),
    comment(2, "bob", "Load test numbers look fine to me.", 2),
    signoff,
    // The App's record of the sign-off it accepted: the ledger reads records, not requests.
    {
      ...comment(
        4,
        "readiness-gate[bot]",
        recordMarker(3) +
          "\n" +
          encodeRecord({
            v: 1,
            comment: 3,
            actor: "alice",
            at: signoff.created_at,
            sha: m.shas[COMMITS - 1]!,
            commands: [{ verb: "signoff", check: "security-review" }],
          }),
        0.05,
      ),
      user: { login: "readiness-gate[bot]", type: "Bot" },
      performed_via_github_app: { id: APP_ID },
    },
  );
}

/** A push of commit `head`: its check suite, then its workflow runs with their artifacts. */
function push(gh: FakeGitHub, w: World, head: number): void {
  const { m } = w;
  const pushed = new Date(commitDate(head).getTime() + 30_000).toISOString();
  w.suites.set(m.shas[head]!, [
    { id: 500 + head, app: { id: 15368, slug: "github-actions" }, created_at: pushed },
  ]);
  const base = head * 100;
  w.runs.set(head, [
    workflowRun(m, head, base + 1, "CI", "ci.yml"),
    workflowRun(m, head, base + 2, "Load test", "load.yml"),
    workflowRun(m, head, base + 3, "CodeQL", "codeql.yml"),
  ]);
  for (const run of [...w.runs.values()].flat())
    for (const a of artifactsOf(run))
      gh.fixed(`${REPO_PATH}/actions/artifacts/${a.id}/zip`, 302, "", {
        location: `${STORAGE}/artifacts/${a.id}/${a.name}?sig=EPHEMERAL`,
      });
}

// ------------------------------------------------------------------ measuring

export interface PhaseCost {
  /** Requests that reached GitHub and count against the rate limit. */
  charged: number;
  /** Conditional requests answered 304 (free). */
  notModified: number;
  /** Answered from the cache without a request. */
  cacheHits: number;
  /** Requests that reached GitHub, as "<status> <METHOD> <template>", in order. */
  requests: string[];
}

export interface EvaluationCost {
  policy: PhaseCost;
  evidence: PhaseCost;
  /** policy + evidence: the evaluation. */
  total: PhaseCost;
  /** Check run and sticky comment (reads and writes), not part of the evaluation. */
  publishing: PhaseCost & { writes: number };
  verdict: Report["verdict"];
  score: number;
  /** Check id → status, to see the evidence was complete. */
  statuses: Record<string, string>;
}

export interface RequestCost {
  cold: EvaluationCost;
  warm: EvaluationCost;
  next: EvaluationCost;
}

export interface MeasureOptions {
  /** Options for every GitHubEvidence the scenario builds (limits, for instance). */
  provider?: Partial<Omit<GitHubEvidenceOptions, "octokit" | "owner" | "repo" | "sha">>;
  /** Publish the result between evaluations as the App does (default true). */
  publish?: boolean;
  /** Changes the example policy's text before it is served (more checks, for instance). */
  policy?: (text: string) => string;
}

interface Logged {
  method: string;
  url: string;
  status: string;
}

function label(l: Logged): string {
  const known = new URL(l.url).hostname === "api.github.com" ? checkEndpoint(l.method, l.url) : null;
  const where = known?.ok ? known.template : new URL(l.url).pathname;
  return `${l.status} ${l.method} ${where}`;
}

/** Runs the scenario. Owns nock while it runs: net connect disabled, every interceptor removed at the end. */
export async function measureRequestCost(options: MeasureOptions = {}): Promise<RequestCost> {
  nock.disableNetConnect();
  const m = buildModel();
  const text = readFileSync(EXAMPLE_POLICY, "utf8");
  const w: World = {
    m,
    checkRuns: new Map(),
    suites: new Map(),
    comments: [],
    runs: new Map(),
    clock: COLD_AT,
    policy: options.policy ? options.policy(text) : text,
  };
  const gh = fakeGitHub();
  seed(gh, w);
  sideScopes(w);

  const stats = createRequestStats();
  const cache = new EtagCache({ maxEntries: 5_000, maxBytes: 50 * 1024 * 1024 });
  const history = new HistoryMemory();
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const octokit = new Octokit({ auth: "ghs_installation_token", log: quiet });
  const logged: Logged[] = [];
  // Registered before the ETag cache, so it sits inside it: it sees what reaches the network, 304s included.
  octokit.hook.wrap("request", async (request, opts) => {
    const e = octokit.request.endpoint.parse(opts);
    try {
      const response = await request(opts);
      logged.push({ method: e.method, url: e.url, status: String(response.status) });
      return response;
    } catch (error) {
      logged.push({
        method: e.method,
        url: e.url,
        status: String((error as { status?: number }).status ?? "error"),
      });
      throw error;
    }
  });
  withEtagCache(octokit, cache, stats, { identity: `installation:${APP_ID}` });

  const phase = async <T>(work: () => Promise<T>): Promise<[T, PhaseCost & { writes: number }]> => {
    const before = structuredClone(stats);
    const from = logged.length;
    const value = await work();
    return [value, costSince(before, stats, logged.slice(from))];
  };

  const evaluate = async (head: number, now: Date): Promise<EvaluationCost> => {
    w.clock = now;
    const sha = m.shas[head]!;
    const [policy, policyCost] = await phase(async () => {
      const source = await findPolicy(octokit, { owner: OWNER, repo: REPO, ref: BASE_REF });
      if (!source) throw new Error("the policy was not found on the base branch");
      const loaded = await loadPolicy(source.text, source.path, { now, fetchRemote: remoteFetcher(octokit) });
      if (!loaded.ok) throw new Error(`the example policy does not load: ${JSON.stringify(loaded.errors)}`);
      // The App looks at the head's policy too, to validate a change to it: in the commit's tree (the same
      // answer the evidence's file checks read next), and reads the file only when the PR changed it.
      await findChangedPolicy(octokit, { owner: OWNER, repo: REPO, sha }, source);
      return loaded.policy;
    });
    const target: Target = {
      context: "pull_request",
      repository: {
        owner: OWNER,
        name: REPO,
        defaultBranch: "main",
        htmlUrl: `https://github.com/${OWNER}/${REPO}`,
      },
      sha,
      ref: "prep/1.4.0",
      pullRequest: {
        number: PR,
        baseRef: BASE_REF,
        headRef: "prep/1.4.0",
        headSha: sha,
        labels: ["release"],
        author: "carol",
        draft: false,
        url: `https://github.com/${OWNER}/${REPO}/pull/${PR}`,
      },
    };
    const [report, evidenceCost] = await phase(() =>
      runEvaluation({
        policy,
        provider: new GitHubEvidence({
          octokit,
          owner: OWNER,
          repo: REPO,
          sha,
          history,
          now: () => now,
          appId: APP_ID,
          ...options.provider,
        } as GitHubEvidenceOptions),
        target,
        now,
      }),
    );
    const [, publishing] = await phase(async () => {
      if (options.publish === false) return;
      await publish(octokit as unknown as AppOctokit, policy, report, sha, now);
    });
    const { writes: _w1, ...p } = policyCost;
    const { writes: _w2, ...e } = evidenceCost;
    return {
      policy: p,
      evidence: e,
      total: {
        charged: p.charged + e.charged,
        notModified: p.notModified + e.notModified,
        cacheHits: p.cacheHits + e.cacheHits,
        requests: [...p.requests, ...e.requests],
      },
      publishing,
      verdict: report.verdict,
      score: report.score,
      statuses: Object.fromEntries(report.checks.map((c) => [c.id, c.status])),
    };
  };

  try {
    const cold = await evaluate(COMMITS - 1, COLD_AT);
    const warm = await evaluate(COMMITS - 1, new Date(COLD_AT.getTime() + 10 * 60_000));
    push(gh, w, COMMITS);
    const next = await evaluate(COMMITS, new Date(COLD_AT.getTime() + 2 * HOUR));
    gh.rec.assertAllKnown();
    return { cold, warm, next };
  } finally {
    gh.rec.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  }
}

function costSince(before: GitHubRequestStats, after: GitHubRequestStats, log: Logged[]) {
  const writes = log.filter((l) => l.method !== "GET").length;
  return {
    charged: chargedRequests(after) - chargedRequests(before),
    notModified: after.notModified - before.notModified,
    cacheHits: after.cacheHits - before.cacheHits,
    requests: log.map(label),
    writes,
  };
}

/**
 * What the App does after an evaluation of a pull request, through its own publisher: the check run (created
 * with its result when the commit had none) and the sticky comment, which links the pull request's checks.
 */
async function publish(octokit: AppOctokit, policy: Policy, report: Report, sha: string, now: Date) {
  const tag = { context: "pull_request" as const, pr: PR };
  const publisher = new RunPublisher({
    octokit,
    appId: APP_ID,
    now: () => now,
    owner: OWNER,
    repo: REPO,
    sha,
    name: policy.gate.checkName,
  });
  await publisher.begin(tag);
  await upsertSticky(
    octokit,
    { owner: OWNER, repo: REPO, number: PR, appId: APP_ID, marker: COMMENT_MARKER },
    renderComment(report, {
      title: policy.gate.checkName,
      detailsUrl: `https://github.com/${OWNER}/${REPO}/pull/${PR}/checks`,
    }),
  );
  await publisher.publish(
    reportResult(report, { checkName: policy.gate.checkName, timeSensitive: false }),
    tag,
  );
}

const line = (name: string, c: PhaseCost) =>
  `${name.padEnd(11)} ${String(c.charged).padStart(3)} charged  ${String(c.notModified).padStart(3)} × 304  ${String(c.cacheHits).padStart(3)} cache hits`;

/** The figures as a person reads them, with every request that reached GitHub. */
export function formatCost(cost: RequestCost, detail = true): string {
  const out: string[] = [];
  for (const [name, e] of [
    ["cold (empty cache)", cost.cold],
    ["warm (same commit, 10 min later)", cost.warm],
    ["next commit (one push, 2 files changed)", cost.next],
  ] as const) {
    out.push(`${name}: ${e.verdict} ${e.score}/100`);
    out.push(`  ${line("evaluation", e.total)}`);
    out.push(`  ${line("  policy", e.policy)}`);
    out.push(`  ${line("  evidence", e.evidence)}`);
    out.push(`  ${line("publishing", e.publishing)}  (${e.publishing.writes} writes)`);
    if (detail) for (const r of e.total.requests) out.push(`      ${r}`);
  }
  return out.join("\n");
}
