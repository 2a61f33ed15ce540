// Each seed document in ../shared/seeds is expressed as a policy in examples/. These tests build a fixture
// repository in the state the document describes (git init, files, back-dated commits), add recorded GitHub
// evidence where the document names some, and check the engine reaches the document's figures.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runEvaluation } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import { LocalEvidence } from "../../src/evidence/local/provider.js";
import { known, type Need, type Target } from "../../src/evidence/types.js";
import { loadPolicy } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/schema.js";
import { cleanup, commit, initRepo } from "../evidence/local/repo.js";
import { FixtureEvidence, type Recorded } from "../support/fixture-evidence.js";
import { ledgerFrom } from "../support/ledger.js";

afterAll(cleanup);

/** `extra`: YAML appended to the example, e.g. a document's dated waivers, which shipped examples never carry. */
async function example(name: string, extra = ""): Promise<Policy> {
  const file = `examples/${name}`;
  const result = await loadPolicy(readFileSync(file, "utf8") + extra, file);
  if (!result.ok)
    throw new Error(result.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join("\n"));
  return result.policy;
}

const repository = { owner: "acme", name: "service", defaultBranch: "main" };
const categoryScores = (r: Report) => Object.fromEntries(r.categories.map((c) => [c.id, c.score]));
const statusOf = (r: Report, id: string) => r.checks.find((c) => c.id === id)?.status;

function releaseTarget(dir: string): Target {
  const sha = initRepoHead(dir);
  return { context: "release", repository, sha, ref: "v1.0.0", release: { tag: "v1.0.0" } };
}

function initRepoHead(dir: string): string {
  return readFileSync(`${dir}/.git/refs/heads/main`, "utf8").trim();
}

const SHA_RUN = (name: string, file: string, jobs: string[] = []) => ({
  id: 1,
  name,
  path: `.github/workflows/${file}`,
  headSha: "",
  branch: "main",
  event: "push",
  status: "completed",
  conclusion: "success",
  createdAt: "2025-09-24T10:00:00Z",
  jobs: jobs.map((j) => ({ name: j, status: "completed", conclusion: "success" })),
});

describe("seed 003: Pynomaly detailed assessment", () => {
  it("reproduces the document's category figures and blocks on its high-priority gaps", async () => {
    const dir = initRepo();
    const src = "src/pynomaly";
    commit(dir, "2024-12-20T10:00:00Z", {
      [`${src}/infrastructure/auth/jwt_auth.py`]: "def issue(): return access_token, refresh_token\n",
      [`${src}/infrastructure/security/rbac_service.py`]: "ROLES = ['admin', 'user', 'viewer']\n",
      [`${src}/infrastructure/security/password_hashing.py`]: "import bcrypt\n",
      ".github/workflows/ci.yml":
        "jobs:\n  security:\n    steps:\n      - run: bandit -r src\n      - run: safety check\n",
      [`${src}/infrastructure/monitoring/prometheus_metrics.py`]: "from prometheus_client import Counter\n",
      [`${src}/infrastructure/monitoring/tracing.py`]: "TRACING_ENABLED = False\n",
      [`${src}/infrastructure/monitoring/health_checks.py`]: "def readiness(): ...\ndef liveness(): ...\n",
      [`${src}/infrastructure/performance/async_processor.py`]: "async def retry(fn, backoff=2.0): ...\n",
      [`${src}/infrastructure/cache/redis_cache.py`]: "import redis\n",
      "deploy/docker/Dockerfile": "FROM python:3.12-slim\n",
      "deploy/kubernetes/deployment.yaml": "kind: Deployment\n",
      [`${src}/infrastructure/resilience/circuit_breaker.py`]: "class CircuitBreaker: ...\n",
      [`${src}/presentation/api/app.py`]: "async def lifespan(app): yield\n",
      [`${src}/infrastructure/error_handling/error_handler.py`]: "class DomainError(Exception): ...\n",
      [`${src}/presentation/api/docs/openapi_config.py`]: "TAGS = []\n",
      "config/docs/mkdocs.yml": "site_name: Pynomaly\n",
      "docs/index.md": "# Pynomaly\n",
    });
    const policy = await example("pynomaly-003.readiness.yml");
    const report = await runEvaluation({
      policy,
      provider: new LocalEvidence(dir),
      target: { context: "local" },
      now: new Date("2024-12-25T12:00:00Z"),
    });
    // The document: Security 87.5%, Observability 83.3%, Performance & Scalability 75.0%, Resilience 100%,
    // Documentation 83.3%.
    expect(categoryScores(report)).toEqual({
      security: 87.5,
      observability: 83.3,
      performance: 75,
      resilience: 100,
      documentation: 83.3,
    });
    // Equal category weights: (87.5 + 83.3 + 75 + 100 + 83.3) / 5; the document rounds its overall figure to 85%.
    expect(report.score).toBe(85.8);
    // "High Priority (Complete before production deployment)": secrets, tracing, resource limits and scaling.
    expect(report.verdict).toBe("no-go");
    expect(report.blocking).toEqual([
      "secret-management",
      "otel-traces",
      "resource-limits",
      "replica-strategy",
    ]);
    expect(report.incomplete).toBe(false);
    for (const id of report.blocking) expect(report.checks.find((c) => c.id === id)?.fix).toBeTruthy();
    expect(statusOf(report, "docs-build-green")).toBe("skipped");
  });
});

describe("seed 003: resource limits in all deployment configurations", () => {
  const limited = "kind: Deployment\nresources:\n  limits:\n    cpu: 500m\n    memory: 512Mi\n";
  const evaluate = async (files: Record<string, string>) => {
    const dir = initRepo();
    commit(dir, "2024-12-20T10:00:00Z", { "deploy/docker/Dockerfile": "FROM python:3.12-slim\n", ...files });
    return runEvaluation({
      policy: await example("pynomaly-003.readiness.yml"),
      provider: new LocalEvidence(dir),
      target: { context: "local" },
      now: new Date("2024-12-25T12:00:00Z"),
    });
  };

  it("passes when every manifest sets CPU/memory limits", async () => {
    const report = await evaluate({
      "deploy/kubernetes/deployment.yaml": limited,
      "deploy/kubernetes/worker.yaml": limited,
    });
    expect(statusOf(report, "resource-limits")).toBe("pass");
  });

  it("a manifest without limits blocks, named, though another has them", async () => {
    const report = await evaluate({
      "deploy/kubernetes/deployment.yaml": limited,
      "deploy/kubernetes/worker.yaml": "kind: Deployment\n",
    });
    expect(statusOf(report, "resource-limits")).toBe("fail");
    expect(report.blocking).toContain("resource-limits");
    expect(report.checks.find((c) => c.id === "resource-limits")?.summary).toContain(
      "deploy/kubernetes/worker.yaml does not contain",
    );
  });
});

describe("seed 000: telemetry pipeline", () => {
  it("keeps the document's ten category weights, summing to 100", async () => {
    const policy = await example("telemetry-pipeline-000.readiness.yml");
    const weights = Object.values(policy.categories).map((c) => c.weight);
    expect(weights).toEqual([12, 15, 12, 12, 10, 10, 8, 6, 10, 5]);
    expect(weights.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("scores a release from the document's done / partial / pending marks", async () => {
    const dir = initRepo();
    const py = (body = "pass\n") => body;
    commit(dir, "2025-01-10T10:00:00Z", {
      "docs/RELEASE_PROCESS.md": "# Versioning\n",
      ".github/workflows/ci.yml": "jobs:\n  audit:\n    steps:\n      - run: pip-audit\n",
      ".github/workflows/release.yml":
        "steps:\n  - run: syft . -o spdx-json > sbom.spdx.json\n  - run: cosign sign-blob sbom.spdx.json\n",
      ".github/workflows/publish.yml": "on: push\n",
      "docs/THREAT_MODEL.md": "# Threat model\n",
      ".pip-audit.toml": "[tool.pip-audit]\n",
      "src/telemetry/secrets/providers.py": py(),
      "src/telemetry/auth/rbac.py": py(),
      "src/telemetry/auth/audit.py": py("LOG = 'auth.jsonl'\n"),
      "src/telemetry/logging.py": py("FORMAT = 'json'\n"),
      "src/telemetry/metrics.py": py(),
      "src/telemetry/tracing.py": py(),
      "src/telemetry/alerting.py": py(),
      "src/telemetry/collectors/retry.py": py(),
      "src/telemetry/collectors/breaker.py": py(),
      "src/telemetry/shutdown.py": py(),
      "src/telemetry/storage/atomic.py": py(),
      "schemas/explainability.schema.json": '{"version": 2}\n',
      "src/telemetry/config.py": py("schema_version = 3\n"),
      "config/defaults.yaml": "workers: 4\n",
      "src/telemetry/flags.py": py(),
      "src/telemetry/secrets/injection.py": py(),
      "docs/config/staging.yaml": "env: staging\n",
      "docs/config/prod.yaml": "env: prod\n",
      "docs/RUNBOOK.md": "# Runbook\n## Startup\n## Shutdown\n## Recovery\n",
      "docs/SLO_SLI.md": "# SLOs\n",
      "docs/INCIDENT_RESPONSE.md": "# Severity\n",
      "docs/ROLLOUT_CHECKLIST.md": "# Rollout\n",
      "tests/test_auth.py": py(),
      "docs/DEPLOYMENT.md": "# Deploy\n",
      "docs/OPERATOR_GUIDE.md": "# Operator\n",
      "docs/API_REFERENCE.md": "# API\n",
      "CHANGELOG.md": "# Changelog\n",
      "docs/TRACING_CONVENTIONS.md": "# Tracing\n",
      "docs/ALERTING.md": "# Alerting\n",
    });
    const target = releaseTarget(dir);
    // What GitHub shows for the release: CI green, no open alerts, the security team's sign-off,
    // the signed release assets; no load-test or coverage artifact (the document leaves those open).
    const recorded: Recorded = {
      workflowRuns: () => known([{ ...SHA_RUN("CI", "ci.yml"), headSha: target.sha! }]),
      alerts: () => known([]),
      release: () =>
        known({
          tag: "v1.0.0",
          draft: false,
          prerelease: false,
          assets: ["pipeline.tar.gz.sig", "pipeline.spdx.json", "RELEASE_NOTES.md"].map((name) => ({
            name,
            size: 1,
          })),
        }),
      artifactFile: () => known(null),
      ledger: (need: Need) =>
        known(
          ledgerFrom({
            commands: [
              { verb: "signoff", check: "security-review", actor: "sam", at: "2025-01-12T09:00:00Z" },
            ],
            actors: { sam: { permission: "write", teams: need.type === "ledger" ? need.teams : [] } },
            pullRequests: [12],
          }),
        ),
    };
    const report = await runEvaluation({
      policy: await example("telemetry-pipeline-000.readiness.yml"),
      provider: new FixtureEvidence(new LocalEvidence(dir), recorded),
      target,
      now: new Date("2025-01-15T12:00:00Z"),
    });
    // done = 1, partial = 0.5, pending or unmarked = 0; the release-gate checks (signing, CI, alerts, sign-off)
    // pass and, being gate items (weight 0), leave the figures to the document's items.
    expect(categoryScores(report)).toEqual({
      "release-engineering": 87.5, // 3 done + 1 partial, of 4
      security: 61.1, // 5 done + 1 partial, of 9 (the pending "audit logging" repeat counts as an item)
      observability: 66.7, // 4 of 6
      reliability: 58.3, // 3 done + 1 partial, of 6
      performance: 0, // nothing marked done
      "data-integrity": 20, // explainability schema only
      configuration: 71.4, // 4 done + 2 partial, of 7
      operations: 57.1, // 4 of 7
      testing: 10, // security tests partial, of 5
      documentation: 71.4, // 4 done + 2 partial, of 7
    });
    // The document's own "Current score: 99%" does not follow from its item marks. By hand, with its weights:
    // (12*87.5 + 15*61.11 + 12*66.67 + 12*58.33 + 10*0 + 10*20 + 8*71.43 + 6*57.14 + 10*10 + 5*71.43) / 100 = 50.4
    expect(report.score).toBe(50.4);
    expect(report.verdict).toBe("no-go");
    expect(report.incomplete).toBe(false);
    expect(report.blocking).toEqual(
      expect.arrayContaining(["secrets-providers", "dashboards", "alert-rules"]),
    );
    expect(statusOf(report, "security-review")).toBe("pass");
  });
});

describe("seed 000: the release gate blocks without moving the figures", () => {
  it("a release without its signature is NO-GO for that reason, at the same score", async () => {
    const dir = initRepo();
    commit(dir, "2025-01-10T10:00:00Z", {
      ".github/workflows/release.yml": "steps:\n  - run: cosign sign-blob x\n",
      "src/telemetry/storage/atomic.py": "pass\n",
    });
    const target = releaseTarget(dir);
    const assets = (names: string[]) => () =>
      known({
        tag: "v1.0.0",
        draft: false,
        prerelease: false,
        assets: names.map((name) => ({ name, size: 1 })),
      });
    const evaluate = (release: Recorded["release"]) =>
      example("telemetry-pipeline-000.readiness.yml").then((policy) =>
        runEvaluation({
          policy,
          provider: new FixtureEvidence(new LocalEvidence(dir), {
            workflowRuns: () => known([{ ...SHA_RUN("CI", "ci.yml"), headSha: target.sha! }]),
            alerts: () => known([]),
            release,
            artifactFile: () => known(null),
            ledger: () => known(ledgerFrom({ pullRequests: [12] })),
          }),
          target,
          now: new Date("2025-01-15T12:00:00Z"),
        }),
      );
    const signed = await evaluate(assets(["p.tar.gz.sig", "p.spdx.json", "RELEASE_NOTES.md"]));
    const unsigned = await evaluate(assets(["p.tar.gz", "RELEASE_NOTES.md"]));
    expect(statusOf(signed, "signed-release-assets")).toBe("pass");
    expect(statusOf(unsigned, "signed-release-assets")).toBe("fail");
    expect(unsigned.blocking).toContain("signed-release-assets");
    expect(signed.blocking).not.toContain("signed-release-assets");
    // A gate item: the score is the same either way.
    expect(unsigned.score).toBe(signed.score);
    expect(unsigned.verdict).toBe("no-go");
  });
});

describe("seed 002: security checklist negations", () => {
  const evaluate = async (extra: Record<string, string>) => {
    const dir = initRepo();
    commit(dir, "2025-03-01T10:00:00Z", {
      "src/analytics/db.py": "import os\nPASSWORD = os.environ['DB_PASSWORD']\n",
      ".env.example": "DB_PASSWORD=\n",
      ...extra,
    });
    return runEvaluation({
      policy: await example("comment-analytics-002.readiness.yml"),
      provider: new LocalEvidence(dir),
      target: { context: "local" },
      now: new Date("2025-03-05T12:00:00Z"),
    });
  };

  it("secrets read from the environment and no committed .env pass both items", async () => {
    const report = await evaluate({});
    expect(statusOf(report, "no-hardcoded-secrets")).toBe("pass");
    expect(statusOf(report, "no-committed-env")).toBe("pass");
  });

  it("a hard-coded API key is NO-GO naming file and line; a committed .env is named too", async () => {
    const report = await evaluate({
      "src/analytics/slack.py": "import os\n\napi_key = 'xoxb-1234567890'\n",
      "deploy/.env": "DB_PASSWORD=hunter2\n",
    });
    expect(report.verdict).toBe("no-go");
    expect(report.blocking).toEqual(expect.arrayContaining(["no-hardcoded-secrets", "no-committed-env"]));
    const summary = (id: string) => report.checks.find((c) => c.id === id)?.summary;
    expect(summary("no-hardcoded-secrets")).toMatch(/^src\/analytics\/slack\.py:3 contains/);
    expect(summary("no-committed-env")).toBe("deploy/.env exists, but no file may match **/.env");
  });
});

async function evaluateSeed004(now: string, extra: Recorded = {}) {
  const dir = initRepo();
  commit(dir, "2025-09-01T10:00:00Z", {
    "docs/PRODUCTION_READINESS.md":
      "| Decision Latency | P95 < 250ms |\n## 3. Secrets & Config\n| Secret | Rotation Policy | Storage |\n",
    Dockerfile: "FROM node:20-slim\n",
  });
  commit(dir, "2025-09-20T10:00:00Z", { "docs/runbook.md": "# Runbook v1\n" });
  const target = releaseTarget(dir);
  const recorded: Recorded = {
    workflowRuns: (need) =>
      known(
        need.type === "workflowRuns" && need.workflow.file === "ci.yml"
          ? [{ ...SHA_RUN("CI", "ci.yml", ["lint", "typecheck", "test", "scan"]), headSha: target.sha! }]
          : [],
      ),
    // Trivy gating is "non-block yet": one high alert is open.
    alerts: (need) =>
      known(
        need.type === "alerts" && need.source === "dependabot"
          ? [{ source: "dependabot", number: 7, severity: "high", summary: "redis-py: CVE" }]
          : [],
      ),
    // Load harness baseline (§7): end-to-end p95 about 9 ms, create p95 8 to 9 ms.
    artifactFile: () =>
      known({
        runId: 3,
        artifact: "load-harness",
        content: '{"decision": {"p95_ms": 9.4}, "create": {"p95_ms": 8.6}}',
      }),
    release: () =>
      known({ tag: "v1.0.0", draft: false, prerelease: false, assets: [{ name: "app.tar.gz", size: 1 }] }),
    ledger: () => known(ledgerFrom({ pullRequests: [] })),
    ...extra,
  };
  return runEvaluation({
    policy: await example("slack-approvals-004.readiness.yml", SEED_004_WAIVERS),
    provider: new FixtureEvidence(new LocalEvidence(dir), recorded),
    target,
    now: new Date(now),
  });
}
// §12 "Defer / Waiver log", as commented in the example.
const SEED_004_WAIVERS = `waivers:
  - { check: distroless-image, reason: Validate compatibility first, expires: 2025-10-31, approvedBy: platform }
  - { check: image-signing, reason: Pending SBOM foundation, expires: 2025-11-30, approvedBy: platform }
`;

describe("seed 004: Slack approval service", () => {
  const evaluateAt = evaluateSeed004;

  it("is NO-GO on the document's date, blocked by exactly the unchecked Go / No-Go items", async () => {
    const report = await evaluateAt("2025-09-25T12:00:00Z");
    expect(report.verdict).toBe("no-go");
    expect(report.blocking.filter((id) => report.checks.find((c) => c.id === id)?.required)).toEqual([
      "no-high-vulns",
      "redis-failover",
      "backup-restore-rehearsal",
      "alerts-simulated",
    ]);
    // The Go / No-Go items are gate items: they block, and the score is the readiness gates' and the supply
    // chain's alone. Readiness gates: SLO document and rotation policy of 5 = 40; supply chain: the two waived
    // items of 3 (no CHANGELOG) = 66.7; (2*40 + 1*66.67) / 3 = 48.9.
    expect(categoryScores(report)).toEqual({ "go-no-go": null, "readiness-gates": 40, "supply-chain": 66.7 });
    expect(report.score).toBe(48.9);
    expect(statusOf(report, "ci-green")).toBe("pass");
    expect(statusOf(report, "latency-slo")).toBe("pass");
    expect(statusOf(report, "runbook-fresh")).toBe("pass");
    // §12 waiver log: both items deferred with an expiry.
    expect(statusOf(report, "distroless-image")).toBe("waived");
    expect(statusOf(report, "image-signing")).toBe("waived");
  });

  it("lets the waiver log expire: after 2025-10-31 the distroless item counts against the score again", async () => {
    const report = await evaluateAt("2025-11-15T12:00:00Z");
    expect(statusOf(report, "distroless-image")).toBe("fail");
    expect(statusOf(report, "image-signing")).toBe("waived");
    expect(report.waivers.map((w) => [w.check, w.state])).toEqual([
      ["distroless-image", "expired"],
      ["image-signing", "applied"],
    ]);
    expect(report.notes.join("\n")).toMatch(/distroless-image expired on 2025-10-31/);
    // 56 days after the runbook's last commit: "Runbook updated within last 30 days" fails.
    expect(statusOf(report, "runbook-fresh")).toBe("fail");
  });
});

describe("seed 004: the latency SLOs as one table (issue 9)", () => {
  const harness = (content: string): Recorded => ({
    artifactFile: () => known({ runId: 3, artifact: "load-harness", content }),
  });

  it("reports each SLO; a request-creation regression is NO-GO for it alone, at the same score", async () => {
    const report = await evaluateSeed004(
      "2025-09-25T12:00:00Z",
      harness('{"decision": {"p95_ms": 9.4}, "create": {"p95_ms": 140}}'),
    );
    const slo = report.checks.find((c) => c.id === "latency-slo");
    expect([slo?.status, slo?.credit]).toEqual(["fail", 0.5]);
    expect(slo?.details).toEqual([
      "met: decision latency p95 (ms) (decision.p95_ms) = 9.4 (must be below 250)",
      "missed: request creation latency p95 (ms) (create.p95_ms) = 140 (must be below 120)",
    ]);
    expect(report.blocking).toContain("latency-slo");
    // A gate item: its half credit moves no figure; 48.9 as on the document's date.
    expect(report.score).toBe(48.9);
  });

  it("a harness summary without the creation figure leaves the item unknown, never passed", async () => {
    const report = await evaluateSeed004("2025-09-25T12:00:00Z", harness('{"decision": {"p95_ms": 9.4}}'));
    expect(statusOf(report, "latency-slo")).toBe("unknown");
    expect(report.verdict).toBe("no-go");
  });
});

describe("seed 002: coverage goals and performance targets as tables (issue 9)", () => {
  async function evaluate(coverage: unknown, results: unknown) {
    const dir = initRepo();
    commit(dir, "2025-03-01T10:00:00Z", { "README.md": "# analytics\n" });
    const files: Record<string, unknown> = { coverage, benchmarks: results };
    return runEvaluation({
      policy: await example("comment-analytics-002.readiness.yml"),
      provider: new FixtureEvidence(new LocalEvidence(dir), {
        artifactFile: (need) =>
          need.type === "artifactFile"
            ? known({ runId: 5, artifact: need.artifact, content: JSON.stringify(files[need.artifact]) })
            : known(null),
      }),
      target: releaseTarget(dir),
      now: new Date("2025-03-05T12:00:00Z"),
    });
  }
  const check = (r: Report, id: string) => r.checks.find((c) => c.id === id);

  it("scores the share of targets met: coverage 3 of 4, performance 3 of 5", async () => {
    const report = await evaluate(
      {
        totals: { percent_covered: 84 },
        areas: {
          critical: { percent_covered: 91 },
          services: { percent_covered: 86 },
          models: { percent_covered: 90 },
        },
      },
      {
        ingestion: { per_second: 140 },
        enrichment: { per_second: 42 },
        queries: { p95_seconds: 0.6 },
        pdf: { weekly_brief_seconds: 41 },
        dashboard: { initial_load_seconds: 1.2 },
      },
    );
    // Phase 1's 80%+ is met: the gate item passes; the goals table misses models (90 < 95).
    expect(check(report, "coverage-80")?.status).toBe("pass");
    expect([check(report, "coverage-goals")?.status, check(report, "coverage-goals")?.credit]).toEqual([
      "fail",
      0.75,
    ]);
    expect(check(report, "coverage-goals")?.summary).toContain("missed: models = 90, must be at least 95");
    const perf = check(report, "performance-targets");
    expect([perf?.status, perf?.credit]).toEqual(["fail", 0.6]);
    expect(perf?.summary).toContain(
      "missed: enrichment (comments/s) = 42, must be at least 50; weekly brief PDF (s) = 41, must be below 30",
    );
    // The category holds only this check: 3 of 5 targets = 60.
    expect(categoryScores(report).performance).toBe(60);
  });
});

describe("seeds 001 and 002", () => {
  it("load and validate, with their required items", async () => {
    const proof = await example("proof-service-001.readiness.yml");
    expect(proof.checks["restore-drill-streak"]?.workflow).toMatchObject({
      branch: "main",
      streak: 3,
      maxAgeDays: 2,
    });
    expect(proof.checks["signed-release"]?.required).toBe(true);
    const analytics = await example("comment-analytics-002.readiness.yml");
    expect(analytics.checks["coverage-80"]?.artifact?.json).toMatchObject({ atLeast: 80 });
  });
});

describe("seed 001: proof service (issue 9, item 6)", () => {
  const files = (prod: string) => ({
    "deploy/profiles/dev.env": "AUTH_POLICY=dev\n",
    "deploy/profiles/staging.env": "AUTH_POLICY=strict\nJWKS_URL=https://id.example.com/jwks\n",
    "deploy/profiles/prod.env": prod,
    "tests/unit/test_auth_startup.py": "def test_rejects_dev_policy(): ...\n",
    "scripts/drills/restore.sh": "#!/bin/sh\n",
    "scripts/drills/replay.ps1": "# replay\n",
    "docs/SLO.md": "# SLOs\nBurn-rate alerts at 14.4x over 1h.\n",
    "docs/game-days/2026-02.md": "# Game day\nMTTR: 18 minutes.\n",
    ".readiness/attestations/on-call-validated.yml":
      "statement: On-call flow validated end to end, from the burn-rate page to mitigation\nby: sre-lead\ndate: 2026-02-20\n",
  });
  const evaluate = async (prod: string) => {
    const dir = initRepo();
    commit(dir, "2026-03-01T10:00:00Z", files(prod));
    return runEvaluation({
      policy: await example("proof-service-001.readiness.yml"),
      provider: new LocalEvidence(dir),
      target: { context: "local" },
      now: new Date("2026-03-10T12:00:00Z"),
    });
  };

  it("a profile added later that boots with AUTH_POLICY=dev is NO-GO, naming it (every profile but dev)", async () => {
    const dir = initRepo();
    commit(dir, "2026-03-01T10:00:00Z", {
      ...files("AUTH_POLICY=jwks\n"),
      "deploy/profiles/canary.env": "REGION=eu\nAUTH_POLICY=dev\n",
    });
    const report = await runEvaluation({
      policy: await example("proof-service-001.readiness.yml"),
      provider: new LocalEvidence(dir),
      target: { context: "local" },
      now: new Date("2026-03-10T12:00:00Z"),
    });
    expect(report.verdict).toBe("no-go");
    expect(report.blocking).toEqual(["auth-fail-fast"]);
    expect(report.checks.find((c) => c.id === "auth-fail-fast")?.summary).toContain(
      "deploy/profiles/canary.env:2 contains",
    );
  });

  it("a strict line followed by AUTH_POLICY=dev further down is NO-GO: the later line wins at boot", async () => {
    const report = await evaluate("AUTH_POLICY=strict\nAUTH_POLICY=dev\n");
    expect(statusOf(report, "auth-fail-fast")).toBe("fail");
    expect(report.checks.find((c) => c.id === "auth-fail-fast")?.summary).toContain(
      "deploy/profiles/prod.env:2",
    );
  });

  it("a prod profile that boots with AUTH_POLICY=dev is NO-GO for that reason", async () => {
    const report = await evaluate("AUTH_POLICY=dev\n");
    expect(statusOf(report, "auth-fail-fast")).toBe("fail");
    expect(report.verdict).toBe("no-go");
    expect(report.blocking).toEqual(["auth-fail-fast"]);
    expect(report.checks.find((c) => c.id === "auth-fail-fast")?.summary).toContain(
      "deploy/profiles/prod.env",
    );
  });

  it("a commented-out strict line does not count", async () => {
    const report = await evaluate("# AUTH_POLICY=strict\nAUTH_POLICY=dev\n");
    expect(statusOf(report, "auth-fail-fast")).toBe("fail");
  });

  it("the on-call validation is read from its attestation file locally; stale or missing, it fails (issue 9)", async () => {
    const dir = initRepo();
    commit(dir, "2026-03-01T10:00:00Z", files("AUTH_POLICY=jwks\n"));
    const policy = await example("proof-service-001.readiness.yml");
    const at = (now: string) =>
      runEvaluation({
        policy,
        provider: new LocalEvidence(dir),
        target: { context: "local" },
        now: new Date(now),
      });
    const fresh = (await at("2026-03-10T12:00:00Z")).checks.find((c) => c.id === "on-call-validated");
    expect(fresh?.status).toBe("pass");
    expect(fresh?.summary).toContain(
      "attested by sre-lead on 2026-02-20 (18 days ago; counts until 2026-05-21)",
    );
    // 90 days after 2026-02-20 it has expired.
    expect(statusOf(await at("2026-05-22T12:00:00Z"), "on-call-validated")).toBe("fail");
    const none = initRepo();
    const { ".readiness/attestations/on-call-validated.yml": _gone, ...rest } = files("AUTH_POLICY=jwks\n");
    commit(none, "2026-03-01T10:00:00Z", rest);
    const missing = await runEvaluation({
      policy,
      provider: new LocalEvidence(none),
      target: { context: "local" },
      now: new Date("2026-03-10T12:00:00Z"),
    });
    expect(missing.checks.find((c) => c.id === "on-call-validated")?.summary).toBe(
      "no attestation: .readiness/attestations/on-call-validated.yml does not exist in the checkout",
    );
  });

  it("with both production profiles strict, the local files pass", async () => {
    const report = await evaluate("AUTH_POLICY=jwks\n");
    expect(statusOf(report, "auth-fail-fast")).toBe("pass");
    expect(report.blocking).toEqual([]);
    expect(report.verdict).toBe("go");
  });
});

describe("seed 002: the whole document's state, figures computed by hand (issue 9)", () => {
  it("a local run on the repository as of 2025-11-24: every category and the overall score", async () => {
    // The document's state: basic unit tests for each module exist; no integration or migration tests, no CI,
    // basic logging only (no metrics, dashboards, Sentry, alerts), no dependency scanning or secrets
    // management, no hard-coded secret and no committed .env; backup scripts exist but no DR runbook; good
    // docs but no runbook, troubleshooting guide or incident plan; Docker but manual deployment.
    const dir = initRepo();
    const modules = ["models", "ingestion", "nlp", "enrichment", "analytics", "cli", "reporting"];
    commit(dir, "2025-11-20T10:00:00Z", {
      "README.md": "# Comment analytics\n",
      "docs/ARCHITECTURE.md": "# Architecture\n",
      Dockerfile: "FROM python:3.12-slim\n",
      "scripts/backup.sh": "#!/bin/sh\npg_dump analytics > backup.sql\n",
      "src/analytics/logging.py": "import logging\nlog = logging.getLogger(__name__)\n",
      "src/analytics/db.py": "import os\nPASSWORD = os.environ['DB_PASSWORD']\n",
      ...Object.fromEntries(modules.map((m) => [`tests/test_${m}.py`, "def test_ok():\n    assert True\n"])),
    });
    const report = await runEvaluation({
      policy: await example("comment-analytics-002.readiness.yml"),
      provider: new LocalEvidence(dir),
      target: { context: "local", sha: initRepoHead(dir) },
      now: new Date("2025-11-24T12:00:00Z"),
    });
    // By hand (each check weight 1; the checks limited to pull requests, releases and deployments are
    // skipped locally; the security sign-off is not limited so, and lives in PR comments: unknown, credit 0):
    //   testing 3: unit tests 1, integration 0, migration 0          → 1/3 = 33.3
    //   ci-cd 3: config 0, quality gates 0, image build 0              → 0
    //   monitoring 2: metrics, dashboards, Sentry, alerts all 0        → 0
    //   security 3: scanning 0, audit ? 0, secrets 0, no secrets 1, no .env 1 → 2/5 = 40
    //   performance 2: only the benchmark table, skipped               → no score, left out
    //   disaster-recovery 2: backup scripts 1, DR runbook 0            → 1/2 = 50
    //   documentation 1: runbook, troubleshooting, incident plan 0     → 0
    //   deployment 1: deploy scripts 0, rollback 0                     → 0
    //   overall = (3·33.3 + 3·0 + 2·0 + 3·40 + 2·50 + 1·0 + 1·0) / 15 = 320 / 15 = 21.3
    const scores = categoryScores(report);
    expect(scores.testing).toBeCloseTo(33.3, 1);
    expect(scores["ci-cd"]).toBe(0);
    expect(scores.monitoring).toBe(0);
    expect(scores.security).toBe(40);
    expect(scores.performance).toBeNull();
    expect(scores["disaster-recovery"]).toBe(50);
    expect(scores.documentation).toBe(0);
    expect(scores.deployment).toBe(0);
    expect(report.score).toBeCloseTo(21.3, 1);
    expect(statusOf(report, "security-audit")).toBe("unknown");
    // NO-GO whatever the sign-off turns out to be (conclusive), blocked by the Phase 1 items it lacks.
    expect(report.verdict).toBe("no-go");
    expect(report.conclusive).toBe(true);
    expect(report.blocking).toEqual(
      expect.arrayContaining(["integration-tests", "ci-config", "dependency-scanning"]),
    );
  });
});
