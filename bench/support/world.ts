// The GitHub the server benches run against: test/support/github-stand-in.ts, seeded with one repository per
// installation (one by default) whose release branch carries the largest policy in examples/
// (telemetry-pipeline-000, 68 checks), and extended (routes and one middleware, as the stand-in is built to be) with what that policy reads:
// workflow runs with artifacts (zip downloads behind a 302, as GitHub does), Dependabot / code scanning /
// secret scanning alerts, per-path history, a sign-off comment by a team member, and ETags with 304
// answers, so the App's conditional requests behave as they do against GitHub. Every answer can be delayed
// (`latencyMs`) to stand for the network and GitHub's own time.
//
// Everything listens on 127.0.0.1 only.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { zipSync } from "fflate";
import { encodeRecord, recordMarker } from "../../src/evidence/ledger-record.js";
import { loadPolicy } from "../../src/policy/load.js";
import {
  type CommentState,
  GitHubStandIn,
  type StandInReply,
  type StandInRequest,
} from "../../test/support/github-stand-in.js";
import { ROOT, sleep } from "./common.js";

export const APP_ID = 4242;
export const INSTALLATION = 1;
export const OWNER = "acme";
export const NAME = "telemetry-pipeline";
export const REPO_ID = 9_001;
export const BASE = "release/1.4";
export const DEFAULT_BRANCH = "main";
export const CHECK_NAME = "Production readiness";
const SIGNER = "alice";
/** Fixed instants keep answers byte-identical between requests, so ETags match and 304s happen. */
const T_COMMENT = new Date(Date.now() - 3 * 86_400_000).toISOString();
const T_CHANGED = new Date(Date.now() - 30 * 86_400_000).toISOString();
const T_RUN = new Date(Date.now() - 3_600_000).toISOString();

/** The largest policy in examples/ (by size); the benches evaluate it. */
export function largestExample(): { file: string; text: string } {
  const dir = join(ROOT, "examples");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".readiness.yml"))
    .map((f) => ({ file: `examples/${f}`, size: statSync(join(dir, f)).size }))
    .sort((a, b) => b.size - a.size);
  const top = files[0];
  if (!top) throw new Error("no examples/*.readiness.yml");
  return { file: top.file, text: readFileSync(join(ROOT, top.file), "utf8") };
}

const KINDS = ["file", "workflow", "artifact", "alerts", "signoff", "release", "status", "branch", "pr"];

/** "64 checks: 57 file (8 with contains, 2 with maxAgeDays), 2 artifact, …", from the loaded policy. */
export async function describePolicy(text: string): Promise<string> {
  const loaded = await loadPolicy(text, ".readiness.yml");
  if (!loaded.ok) return "a policy that does not load";
  const checks = Object.values(loaded.policy.checks) as Record<string, unknown>[];
  const count = new Map<string, number>();
  let contains = 0;
  let aged = 0;
  for (const c of checks) {
    const kind = KINDS.find((k) => c[k] !== undefined) ?? "other";
    count.set(kind, (count.get(kind) ?? 0) + 1);
    const file = c.file as { contains?: string; maxAgeDays?: number } | undefined;
    if (file?.contains !== undefined) contains++;
    if (file?.maxAgeDays !== undefined) aged++;
  }
  const parts = [...count]
    .sort((x, y) => y[1] - x[1])
    .map(([k, n]) =>
      k === "file" ? `${n} file (${contains} with contains, ${aged} with maxAgeDays)` : `${n} ${k}`,
    );
  return `${checks.length} checks: ${parts.join(", ")}`;
}

// ------------------------------------------------------------------ the repository's files

const PY = (name: string) =>
  `"""${name}"""\n\nimport json\n\n\ndef run():\n    return json.dumps({"ok": True})\n`;

/** Every file the telemetry policy looks for, with the text its `contains` checks want, plus filler. */
function headFiles(policy: string, filler: number): Record<string, string> {
  const files: Record<string, string> = {
    ".readiness.yml": policy,
    "README.md": "# telemetry-pipeline\n",
    "CHANGELOG.md": "# Changelog\n\n## 1.4.0\n\n- Scoring v2.\n",
    ".pip-audit.toml": "[tool.pip-audit]\nvulnerability-service = 'osv'\n",
    ".github/workflows/ci.yml":
      "name: CI\non: [push, pull_request]\njobs:\n  audit:\n    steps:\n      - run: pip-audit\n",
    ".github/workflows/release.yml":
      "name: Release\njobs:\n  sign:\n    steps:\n      - run: syft dir:. -o spdx-json > sbom.spdx.json\n      - run: cosign sign-blob --yes dist/*.whl\n",
    ".github/workflows/publish.yml": "name: Publish\n",
    ".github/workflows/load.yml": "name: Load test\n",
    "dashboards/pipeline.json": '{ "title": "Pipeline" }\n',
    "alerting/rules.yml": "groups: []\n",
    "deploy/prod/resources.yaml": "cpu: 2\nmemory: 2Gi\n",
    "migrations/001_initial.py": PY("migration"),
    "schemas/explainability.schema.json": '{ "version": "2", "type": "object" }\n',
    "config/defaults.yaml": "workers: 4\n",
    "docs/config/staging.yaml": "env: staging\n",
    "docs/config/prod.yaml": "env: prod\n",
    "docs/RUNBOOK.md": "# Runbook\n\n## Startup\n\n## Shutdown\n\n## Recovery\n\nReplay the spool.\n",
    "src/telemetry/auth/audit.py": '"""Audit log: one jsonl line per decision."""\n',
    "src/telemetry/logging.py": '"""Structured JSON logging."""\n',
    "src/telemetry/config.py": '"""Config."""\n\nschema_version = 3\n',
    "tests/integration/test_api.py": PY("integration"),
    "tests/regression/test_scores.py": PY("regression"),
    "tests/chaos/test_faults.py": PY("chaos"),
  };
  const docs =
    "RELEASE_PROCESS PROMOTION THREAT_MODEL SECRETS_INTEGRATION SECRETS_ROTATION DATA_CLASSIFICATION PERFORMANCE_BASELINE PROFILING DEFAULTS SLO_SLI INCIDENT_RESPONSE CAPACITY_PLANNING RETENTION CHANGE_MANAGEMENT ROLLOUT_CHECKLIST DEPLOYMENT OPERATOR_GUIDE TROUBLESHOOTING API_REFERENCE TRACING_CONVENTIONS ACCESS_CONTROL ALERTING ALERT_ROUTING";
  for (const d of docs.split(" ")) files[`docs/${d}.md`] = `# ${d.replace(/_/g, " ").toLowerCase()}\n`;
  const sources =
    "secrets/providers auth/rbac auth/access_log metrics tracing alerting collectors/retry collectors/breaker scoring/breaker shutdown storage/atomic collectors/parallel validation audit_trail flags secrets/injection config_drift";
  for (const s of sources.split(" ")) files[`src/telemetry/${s}.py`] = PY(s);
  for (const t of "idempotency schema_compat secrets_injection auth roles".split(" "))
    files[`tests/test_${t}.py`] = PY(t);
  // A repository of realistic size around them: the tree the App lists has this many entries.
  for (let i = 0; Object.keys(files).length < filler; i++) {
    files[`src/telemetry/pipeline/module_${String(i).padStart(4, "0")}.py`] = PY(`module ${i}`);
    if (i % 4 === 0) files[`tests/unit/test_module_${String(i).padStart(4, "0")}.py`] = PY(`test ${i}`);
  }
  return files;
}

const gitBlobSha = (text: string) => {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
};
const shaOf = (seed: string) => createHash("sha1").update(seed).digest("hex");

// ------------------------------------------------------------------ webhook payloads

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as {
  name: string;
  examples: Record<string, unknown>[];
}[];

// biome-ignore lint/suspicious/noExplicitAny: real payloads are edited freely.
function example(event: string, action: string): any {
  const found = examples.find((e) => e.name === event)?.examples.find((p) => p.action === action);
  if (!found) throw new Error(`no example payload for ${event}.${action}`);
  return structuredClone(found);
}

export interface PullRequest {
  number: number;
  head: string;
  sha: string;
  /** The account its repository (named NAME) belongs to, and the App's installation on it. */
  owner: string;
  installation: number;
}

/** Installation k (0-based): OWNER's for the first, then an account (and a repository) of its own each. */
export const installationOf = (k: number) => ({
  id: INSTALLATION + k,
  owner: k === 0 ? OWNER : `${OWNER}-${k + 1}`,
  repoId: REPO_ID + k,
});

export type CiState = "in_progress" | "success";

export interface WorldOptions {
  /** Delay before every answer, in ms (the issue's figure: 50). */
  latencyMs: number;
  /** Release pull requests into BASE. */
  pulls: number;
  publicKey: string;
  /** Entries in the commit's tree. */
  files?: number;
  /** Installations the pull requests are spread over in turn (1 by default: all in OWNER/NAME). */
  installations?: number;
}

export interface World {
  gh: GitHubStandIn;
  policyFile: string;
  pulls: PullRequest[];
  /** GET answers by status, "304" included (the stand-in records every request in gh.requests). */
  served: Record<string, number>;
  /** The status the stand-in answered a recorded request with (304s included). */
  statusOf(req: StandInRequest): number | undefined;
  /** sha → when a completed check run was first written for it (ms since epoch). */
  completedAt: Map<string, number>;
  /** Gives a pull request a new head commit (same files) and returns its sha. */
  push(pr: PullRequest): string;
  /** The state of the CI workflow run on a commit (its runs are listed by head_sha). */
  setCi(sha: string, state: CiState): void;
  pullRequestEvent(pr: PullRequest, action?: string): unknown;
  workflowRunEvent(pr: PullRequest, workflow?: "ci" | "load"): unknown;
  stop(): Promise<void>;
}

export async function createWorld(options: WorldOptions): Promise<World> {
  const { file: policyFile, text: policy } = largestExample();
  const files = headFiles(policy, options.files ?? 1_500);
  const blobs = new Map(Object.values(files).map((t) => [gitBlobSha(t), t]));
  const tree = Object.entries(files).map(([path, text]) => ({
    path,
    mode: "100644",
    type: "blob",
    sha: gitBlobSha(text),
    size: Buffer.byteLength(text),
  }));

  // Artifacts and repository archives are downloaded from "storage" (codeload, blob storage): GitHub
  // answers the API call with a 302 to it.
  const zips = new Map<number, Uint8Array>();
  const archives = new Map<string, Uint8Array>();
  const archiveOf = (sha: string) => {
    let zip = archives.get(sha);
    if (!zip) {
      const top = `${OWNER}-${NAME}-${sha.slice(0, 7)}/`;
      const entries: Record<string, Uint8Array> = { [top]: new Uint8Array(0) };
      for (const [path, text] of Object.entries(files)) entries[`${top}${path}`] = Buffer.from(text);
      zip = zipSync(entries, { level: 6 });
      archives.set(sha, zip);
    }
    return zip;
  };
  const storage: Server = createServer((req, res) => {
    const url = req.url ?? "";
    const artifact = /\/artifacts\/(\d+)\.zip$/.exec(url);
    const archive = /\/archives\/([0-9a-f]{40})\.zip$/.exec(url);
    const zip = artifact ? zips.get(Number(artifact[1])) : archive ? archiveOf(archive[1]!) : undefined;
    if (!zip) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": "application/zip", "content-length": zip.byteLength }).end(zip);
  });
  await new Promise<void>((r) => storage.listen(0, "127.0.0.1", r));
  const storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;

  const installs = Array.from({ length: Math.max(1, options.installations ?? 1) }, (_, k) =>
    installationOf(k),
  );
  const gh = await new GitHubStandIn({
    appId: APP_ID,
    publicKey: options.publicKey,
    installations: installs.map((i) => ({ id: i.id, account: i.owner })),
  }).start();

  // Numbers stay unique across installations, so a PR's number alone finds its comments and records.
  const pulls: PullRequest[] = Array.from({ length: options.pulls }, (_, i) => {
    const inst = installs[i % installs.length]!;
    return {
      number: 101 + i,
      head: `prepare-1.4-part-${i + 1}`,
      sha: shaOf(`pr-${101 + i}-0`),
      owner: inst.owner,
      installation: inst.id,
    };
  });
  // The branches hold the heads' workflow files: the pull requests do not change them, so their runs count.
  const workflows = Object.fromEntries(
    Object.entries(files).filter(([p]) => p.startsWith(".github/workflows/")),
  );
  const byRef: Record<string, Record<string, string>> = {
    [DEFAULT_BRANCH]: { ".readiness.yml": policy, ...workflows },
    [BASE]: { ".readiness.yml": policy, ...workflows },
  };
  for (const pr of pulls) byRef[pr.sha] = files;
  // Every installation's repository holds the same refs (one object): the routes below read any of them.
  for (const inst of installs)
    gh.addRepo({
      owner: inst.owner,
      name: NAME,
      id: inst.repoId,
      defaultBranch: DEFAULT_BRANCH,
      files: byRef,
      refs: { [BASE]: shaOf("base"), [DEFAULT_BRANCH]: shaOf("main") },
      pulls: pulls
        .filter((p) => p.owner === inst.owner)
        .map((p) => ({ number: p.number, base: BASE, head: p.head, headSha: p.sha })),
    });
  const repo = gh.repo(OWNER, NAME)!;
  for (const pr of pulls) {
    gh.comments.push({
      id: 500 + pr.number,
      owner: pr.owner,
      repo: NAME,
      issue: pr.number,
      body: "Reviewed the threat model and the secrets handling.\n\n/readiness signoff security-review\n",
      app_id: null,
      user: SIGNER,
      edits: 0,
    });
    // The App's record of the sign-off it accepted: the ledger reads records, not requests.
    gh.comments.push({
      id: 600 + pr.number,
      owner: pr.owner,
      repo: NAME,
      issue: pr.number,
      body: `${recordMarker(500 + pr.number)}\n${encodeRecord({
        v: 1,
        comment: 500 + pr.number,
        actor: SIGNER,
        at: T_COMMENT,
        sha: pr.sha,
        commands: [{ verb: "signoff", check: "security-review" }],
      })}`,
      app_id: APP_ID,
      user: "readiness-gate[bot]",
      edits: 0,
    });
  }

  // ---- runs: CI (with the coverage artifact) and the load test, per commit
  const ci = new Map<string, CiState>();
  const runIds = new Map<string, number>();
  let nextRun = 70_000;
  const runId = (sha: string, wf: string) => {
    const key = `${sha}:${wf}`;
    let id = runIds.get(key);
    if (id === undefined) {
      id = nextRun++;
      runIds.set(key, id);
    }
    return id;
  };
  const artifacts = new Map<number, { id: number; name: string }>();
  const artifactOf = (run: number, name: string, file: string, content: unknown) => {
    let a = artifacts.get(run);
    if (!a) {
      a = { id: run + 1_000_000, name };
      artifacts.set(run, a);
      zips.set(a.id, zipSync({ [file]: Buffer.from(JSON.stringify(content)) }));
    }
    return a;
  };
  const ownerOf = (sha: string) => pulls.find((p) => p.sha === sha)?.owner ?? OWNER;
  const runsOf = (sha: string) => {
    const state = ci.get(sha) ?? "success";
    const run = (wf: "ci" | "load", name: string, status: string, conclusion: string | null) => ({
      id: runId(sha, wf),
      name,
      path: `.github/workflows/${wf}.yml`,
      head_sha: sha,
      head_branch: pulls.find((p) => p.sha === sha)?.head ?? BASE,
      event: "pull_request",
      status,
      conclusion,
      created_at: T_RUN,
      updated_at: T_RUN,
      run_started_at: T_RUN,
      html_url: `${gh.origin}/${ownerOf(sha)}/${NAME}/actions/runs/${runId(sha, wf)}`,
      pull_requests: [],
    });
    return [
      state === "success" ? run("ci", "CI", "completed", "success") : run("ci", "CI", "in_progress", null),
      run("load", "Load test", "completed", "success"),
    ];
  };
  const runById = new Map<number, { sha: string; wf: string }>();

  const json = (body: unknown): StandInReply => ({ status: 200, body });
  gh.route("GET", "/repos/:owner/:repo/actions/runs", (req) => {
    const sha = req.query.get("head_sha") ?? "";
    const runs = runsOf(sha);
    for (const r of runs) runById.set(r.id, { sha, wf: r.path });
    return json({ total_count: runs.length, workflow_runs: runs });
  });
  gh.route("GET", "/repos/:owner/:repo/actions/runs/:id/artifacts", (req) => {
    const id = Number(req.params.id);
    const run = runById.get(id);
    if (!run) return { status: 404, body: { message: "Not Found" } };
    const a = run.wf.endsWith("ci.yml")
      ? artifactOf(id, "coverage", "coverage.json", { totals: { percent_covered: 91.4 } })
      : artifactOf(id, "load-summary", "summary.json", { passed: true, p99_ms: 412 });
    const wanted = req.query.get("name");
    const list = !wanted || wanted === a.name ? [a] : [];
    return json({ total_count: list.length, artifacts: list.map((x) => artifactJson(x, id)) });
  });
  const artifactJson = (x: { id: number; name: string }, run: number) => ({
    id: x.id,
    name: x.name,
    size_in_bytes: zips.get(x.id)!.byteLength,
    expired: false,
    created_at: T_RUN,
    workflow_run: { id: run },
    archive_download_url: `${gh.baseUrl}/repos/${ownerOf(runById.get(run)?.sha ?? "")}/${NAME}/actions/artifacts/${x.id}/zip`,
  });
  gh.route("GET", "/repos/:owner/:repo/actions/artifacts", () => {
    const list = [];
    for (const [id, run] of [...runById].reverse()) {
      const listed = runsOf(run.sha).find((r) => r.id === id);
      if (listed?.conclusion !== "success") continue;
      const a = run.wf.endsWith("ci.yml")
        ? artifactOf(id, "coverage", "coverage.json", { totals: { percent_covered: 91.4 } })
        : artifactOf(id, "load-summary", "summary.json", { passed: true, p99_ms: 412 });
      list.push(artifactJson(a, id));
    }
    return json({ total_count: list.length, artifacts: list.slice(0, 100) });
  });
  gh.route("GET", "/repos/:owner/:repo/zipball/:ref", (req) =>
    repo.files[req.params.ref ?? ""] === files
      ? { status: 302, headers: { location: `${storageUrl}/archives/${req.params.ref}.zip` } }
      : { status: 404, body: { message: "Not Found" } },
  );
  gh.route("GET", "/repos/:owner/:repo/actions/artifacts/:id/:format", (req) => ({
    status: 302,
    headers: { location: `${storageUrl}/artifacts/${req.params.id}.zip` },
  }));

  // ---- files: one tree for every head, blobs by SHA (the stand-in's own routes scan every ref)
  gh.route("GET", "/repos/:owner/:repo/git/trees/:sha", (req) =>
    repo.files[req.params.sha ?? ""] === files
      ? json({ sha: req.params.sha, tree, truncated: false })
      : { status: 404, body: { message: "Not Found" } },
  );
  gh.route("GET", "/repos/:owner/:repo/git/blobs/:sha", (req) => {
    const text = blobs.get(req.params.sha ?? "");
    if (text === undefined) return { status: 404, body: { message: "Not Found" } };
    if (String(req.headers.accept ?? "").includes("raw")) return { status: 200, body: text };
    return json({ sha: req.params.sha, encoding: "base64", content: Buffer.from(text).toString("base64") });
  });
  // History: the two freshness-checked files changed 30 days ago, everything else at the root commit 400
  // days ago, each head an hour ago; a push changes one module. Answers for per-path look-ups, "the newest
  // commit before" a date, and compares (from such a commit, or from an earlier head) agree with each other.
  const ROOT_DATE = new Date(Date.now() - 400 * 86_400_000).toISOString();
  const changedAt = (path: string) =>
    path === "docs/THREAT_MODEL.md" || path === "docs/RUNBOOK.md" ? T_CHANGED : ROOT_DATE;
  const commitAt = new Map<string, string>([[shaOf(`commit@${ROOT_DATE}`), ROOT_DATE]]);
  const item = (date: string, sha = shaOf(`commit@${date}`)) => {
    if (!commitAt.has(sha)) commitAt.set(sha, date);
    return { sha, commit: { committer: { date }, author: { date } } };
  };
  const PUSHED = "src/telemetry/pipeline/module_0001.py";
  gh.route("GET", "/repos/:owner/:repo/commits", (req) => {
    const path = req.query.get("path");
    const until = req.query.get("until");
    if (path) return json(files[path] === undefined ? [] : [item(changedAt(path))]);
    const dates = [...new Set([ROOT_DATE, T_CHANGED])].filter((d) => !until || d <= until).sort();
    const newest = dates.at(-1);
    return json(newest ? [item(newest)] : []);
  });
  gh.route("GET", "/repos/:owner/:repo/compare/:basehead", (req) => {
    const [base = "", head = ""] = (req.params.basehead ?? "").split("...");
    if (repo.files[head] !== files) return { status: 404, body: { message: "Not Found" } };
    const since = commitAt.get(base);
    if (since === undefined) {
      // From an earlier head of the pull request: the push changed one module.
      if (repo.files[base] !== files) return { status: 404, body: { message: "Not Found" } };
      return json({
        status: "ahead",
        ahead_by: 1,
        total_commits: 1,
        commits: [item(T_RUN, head)],
        files: [{ filename: PUSHED, status: "modified" }],
      });
    }
    const changed = Object.keys(files).filter((p) => changedAt(p) > since);
    const dates = [...new Set(changed.map(changedAt))].sort();
    const commits = [...dates.map((d) => item(d)), item(T_RUN, head)];
    return json({
      status: "ahead",
      ahead_by: commits.length,
      total_commits: commits.length,
      commits,
      files: changed.map((filename) => ({ filename, status: "modified" })),
    });
  });

  // ---- security alerts: none open
  for (const source of ["dependabot", "code-scanning", "secret-scanning"])
    gh.route("GET", `/repos/:owner/:repo/${source}/alerts`, () => json([]));

  // ---- the sign-off: comments with fixed times (the stand-in's carry "now", which would defeat ETags)
  const commentJson = (c: CommentState) => ({
    id: c.id,
    body: c.body,
    user: { login: c.user, type: c.app_id ? "Bot" : "User" },
    performed_via_github_app: c.app_id ? { id: c.app_id } : null,
    created_at: T_COMMENT,
    updated_at: T_COMMENT,
    html_url: `${gh.origin}/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
  });
  gh.route("GET", "/repos/:owner/:repo/issues/:number/comments", (req) =>
    json(
      gh.comments
        .filter(
          (c) =>
            c.owner === req.params.owner &&
            c.repo === req.params.repo &&
            String(c.issue) === req.params.number,
        )
        .map(commentJson),
    ),
  );
  gh.route("GET", "/repos/:owner/:repo/collaborators/:username/permission", (req) =>
    json({ permission: "write", role_name: "write", user: { login: req.params.username } }),
  );
  gh.route("GET", "/orgs/:org/teams/:slug/memberships/:username", () =>
    json({ state: "active", role: "member" }),
  );
  gh.route("GET", "/repos/:owner/:repo/git/commits/:sha", (req) =>
    json({ sha: req.params.sha, committer: { date: T_RUN } }),
  );

  // ---- one middleware: latency, then the route, then ETag / 304 for GETs; notes completed check runs
  const served: Record<string, number> = {};
  const statuses = new WeakMap<StandInRequest, number>();
  const completedAt = new Map<string, number>();
  const dispatch = (req: StandInRequest) =>
    (gh as unknown as { dispatch(r: StandInRequest): Promise<StandInReply> }).dispatch(req);
  gh.use(async (req) => {
    if (options.latencyMs > 0) await sleep(options.latencyMs);
    const reply = await dispatch(req);
    if (req.method !== "GET") {
      if (req.path.includes("/check-runs")) {
        const run =
          req.method === "POST"
            ? gh.checkRuns.at(-1)
            : gh.checkRuns.find((r) => String(r.id) === req.path.split("/").pop());
        if (run?.status === "completed" && !completedAt.has(run.head_sha))
          completedAt.set(run.head_sha, Date.now());
      }
      statuses.set(req, reply.status);
      return reply;
    }
    let result = reply;
    if (reply.status === 200 && reply.body !== undefined) {
      const raw = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      const etag = `W/"${createHash("sha1").update(raw).digest("hex").slice(0, 20)}"`;
      result =
        req.headers["if-none-match"] === etag
          ? { status: 304, headers: { etag } }
          : { ...reply, headers: { ...reply.headers, etag } };
    }
    served[String(result.status)] = (served[String(result.status)] ?? 0) + 1;
    statuses.set(req, result.status);
    return result;
  });

  // ---- payloads: real examples from @octokit/webhooks-examples, pointed at this repository
  const repository = (inst: ReturnType<typeof installationOf>) => {
    const r = example("pull_request", "synchronize").repository;
    return {
      ...r,
      id: inst.repoId,
      name: NAME,
      full_name: `${inst.owner}/${NAME}`,
      default_branch: DEFAULT_BRANCH,
      owner: { ...r.owner, login: inst.owner },
    };
  };
  const repoJsons = new Map(installs.map((i) => [i.id, repository(i)]));
  const installationJson = (id: number) => ({
    id,
    node_id: Buffer.from(`023:IntegrationInstallation${id}`).toString("base64"),
  });

  return {
    gh,
    policyFile,
    pulls,
    served,
    statusOf: (req) => statuses.get(req),
    completedAt,
    push(pr) {
      const sha = shaOf(`${pr.number}:${randomUUID()}`);
      repo.files[sha] = files;
      pr.sha = sha;
      const seed = gh.repo(pr.owner, NAME)?.pulls.find((p) => p.number === pr.number);
      if (seed) seed.headSha = sha;
      return sha;
    },
    setCi(sha, state) {
      ci.set(sha, state);
    },
    pullRequestEvent(pr, action = "synchronize") {
      const p = example("pull_request", "synchronize");
      p.action = action;
      p.number = pr.number;
      const repoJson = repoJsons.get(pr.installation)!;
      p.repository = repoJson;
      p.installation = installationJson(pr.installation);
      Object.assign(p.pull_request, {
        number: pr.number,
        state: "open",
        draft: false,
        labels: [],
        html_url: `${gh.origin}/${pr.owner}/${NAME}/pull/${pr.number}`,
      });
      p.pull_request.base = { ...p.pull_request.base, ref: BASE, repo: repoJson };
      p.pull_request.head = { ...p.pull_request.head, ref: pr.head, sha: pr.sha, repo: repoJson };
      p.after = pr.sha;
      return p;
    },
    workflowRunEvent(pr, workflow = "ci") {
      const p = example("workflow_run", "completed");
      const repoJson = repoJsons.get(pr.installation)!;
      p.repository = repoJson;
      p.installation = installationJson(pr.installation);
      Object.assign(p.workflow_run, {
        id: runId(pr.sha, workflow),
        name: workflow === "ci" ? "CI" : "Load test",
        path: `.github/workflows/${workflow}.yml`,
        head_sha: pr.sha,
        head_branch: pr.head,
        event: "pull_request",
        status: "completed",
        conclusion: "success",
        repository: repoJson,
        head_repository: repoJson,
        pull_requests: [
          {
            id: pr.number * 1000,
            number: pr.number,
            url: `${gh.baseUrl}/repos/${pr.owner}/${NAME}/pulls/${pr.number}`,
            head: { ref: pr.head, sha: pr.sha, repo: { id: repoJson.id, name: NAME, url: "" } },
            base: { ref: BASE, sha: shaOf("base"), repo: { id: repoJson.id, name: NAME, url: "" } },
          },
        ],
      });
      return p;
    },
    async stop() {
      await gh.stop();
      storage.closeAllConnections();
      await new Promise<void>((r) => storage.close(() => r()));
    },
  };
}
