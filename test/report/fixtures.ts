// Hand-built reports for renderer tests: no engine, no evidence.
import type { CheckReport, Report, WaiverView } from "../../src/engine/types.js";

export function check(id: string, over: Partial<CheckReport> = {}): CheckReport {
  return {
    id,
    title: id,
    category: "general",
    kind: "file",
    required: false,
    weight: 1,
    status: "pass",
    credit: 1,
    summary: `${id} is fine`,
    waiver: null,
    waivable: true,
    cost: 0,
    ...over,
  };
}

export function report(over: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    verdict: "go",
    score: 100,
    minScore: 80,
    mode: "block",
    level: null,
    levels: [],
    incomplete: false,
    conclusive: true,
    evaluatedAt: "2025-03-01T12:00:00.000Z",
    target: { context: "local", sha: "0123456789abcdef0123456789abcdef01234567", ref: "main" },
    categories: [{ id: "general", title: "General", weight: 1, score: 100, checks: 1 }],
    checks: [check("readme", { title: "README present", summary: "README.md present (1.2 kB)" })],
    blocking: [],
    pending: [],
    waivers: [],
    notes: [],
    waiveDays: 14,
    ...over,
  };
}

const sbomWaiver: WaiverView = {
  check: "sbom",
  source: "policy",
  reason: "SBOM tooling lands next sprint",
  expires: "2025-03-31",
  approvedBy: "alice",
  state: "applied",
};

/** NO-GO, 72.5 / 80, two blocking checks (one unknown), a waiver, notes: the interesting case. */
export function noGo(): Report {
  return report({
    verdict: "no-go",
    score: 72.5,
    minScore: 80,
    incomplete: true,
    // The required runbook check failed definitely: no unknown can turn this NO-GO.
    conclusive: true,
    target: {
      context: "pull_request",
      repository: "acme/api",
      pullRequest: 42,
      ref: "release/1.2",
      sha: "fedcba9876543210fedcba9876543210fedcba98",
    },
    categories: [
      { id: "security", title: "Security", weight: 15, score: 87.5, checks: 3 },
      { id: "ops", title: "Operations", weight: 5, score: 40, checks: 2 },
      { id: "docs", title: "Docs", weight: 1, score: null, checks: 0 },
    ],
    checks: [
      check("runbook", {
        title: "Runbook is fresh",
        category: "ops",
        required: true,
        status: "fail",
        credit: 0,
        summary: "docs/runbook.md last changed 45 days ago (limit 30)",
        evidence: [
          { label: "docs/runbook.md", url: "https://github.com/acme/api/blob/main/docs/runbook.md" },
        ],
        fix: "Review docs/runbook.md and commit any change",
        cost: 6.2,
      }),
      check("alerts", {
        title: "No critical alerts",
        category: "security",
        kind: "alerts",
        status: "pass",
        summary: "0 open critical alerts",
      }),
      check("sbom", {
        title: "SBOM published",
        category: "security",
        kind: "artifact",
        status: "waived",
        credit: 1,
        summary: "no sbom.json in artifact build",
        waiver: sbomWaiver,
      }),
      check("ci", {
        title: "CI green",
        category: "ops",
        kind: "workflow",
        required: true,
        status: "unknown",
        credit: 0,
        summary: "workflow runs could not be read: HTTP 502",
        fix: "Re-run the gate",
        cost: 6.1,
      }),
      check("codeql", {
        title: "CodeQL",
        category: "security",
        kind: "status",
        status: "fail",
        credit: 0.5,
        summary: "1 of 2 analyses failed",
        details: ["javascript: failed", "python: passed"],
        cost: 9.4,
      }),
      check("changelog", {
        title: "Changelog",
        category: "docs",
        status: "skipped",
        credit: 0,
        summary: "Skipped: this check is limited to releases.",
      }),
    ],
    blocking: ["runbook", "ci", "codeql"],
    pending: [],
    waivers: [sbomWaiver, { ...sbomWaiver, check: "ghost", state: "unknown-check", approvedBy: undefined }],
    notes: [
      "Some evidence could not be had, but it cannot change the verdict: NO-GO whatever it would show.",
    ],
  });
}
