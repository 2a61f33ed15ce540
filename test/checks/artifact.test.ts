import { describe, expect, it } from "vitest";
import { artifactKind } from "../../src/checks/artifact.js";
import { check, evaluateWorld, prTarget } from "./helpers.js";

const summary = JSON.stringify({
  metrics: { p95_ms: 231, error_rate: 0.002, label: "fast" },
  results: [{ passed: true }, { passed: false }],
});
const world = (content: string = summary) => ({
  artifacts: [{ workflow: "load.yml", name: "k6-summary", files: { "summary.json": content } }],
});
const p95 = (cmp: Record<string, unknown>) => ({
  workflow: "load.yml",
  name: "k6-summary",
  json: { file: "summary.json", path: "metrics.p95_ms", ...cmp },
});

describe("artifact: from a run of a workflow file the change rewrote", () => {
  it("is not evidence: fails saying why, whatever the JSON says", () => {
    const w = { ...world(), changedWorkflows: [".github/workflows/load.yml"] };
    const r = check(artifactKind, p95({ below: 250 }), w);
    expect(r.status).toBe("fail");
    expect(r.summary).toContain(
      "comes from a run of .github/workflows/load.yml, which differs from main's copy, so it is not evidence",
    );
    expect(r.fix).toContain("Merge the change to .github/workflows/load.yml into main");
  });

  it("counts when another workflow file changed; unknown when the comparison could not be read", () => {
    expect(
      check(artifactKind, p95({ below: 250 }), { ...world(), changedWorkflows: [".github/workflows/ci.yml"] })
        .status,
    ).toBe("pass");
    const r = check(artifactKind, p95({ below: 250 }), {
      ...world(),
      unknown: { workflowChanges: "timed out" },
    });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("whether this change rewrote load.yml could not be read: timed out");
  });
});

describe("artifact", () => {
  it("asks for the artifact's file from the workflow", () => {
    expect(check(artifactKind, p95({ below: 250 }), world()).asked).toEqual([
      { type: "artifactFile", workflow: { file: "load.yml" }, artifact: "k6-summary", file: "summary.json" },
      { type: "workflowChanges" },
    ]);
    expect(check(artifactKind, { workflow: "Load test", name: "report", branch: "main" }).asked).toEqual([
      { type: "artifactFile", workflow: { name: "Load test" }, artifact: "report", file: "", branch: "main" },
    ]);
  });

  it("fails when the workflow produced no such artifact", () => {
    const r = check(artifactKind, { workflow: "load.yml", name: "k6-summary" }, {});
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("no artifact k6-summary from load.yml");
    expect(r.fix).toContain("upload an artifact named k6-summary");
  });

  it("passes on presence alone when no json assertion is given, linking the run", () => {
    const r = check(artifactKind, { workflow: "load.yml", name: "k6-summary" }, world());
    expect(r.status).toBe("pass");
    expect(r.evidence?.[0]?.url).toContain("/actions/runs/");
  });

  it("compares a figure and shows it with the requirement", () => {
    const ok = check(artifactKind, p95({ below: 250 }), world());
    expect(ok.status).toBe("pass");
    expect(ok.summary).toBe("metrics.p95_ms = 231 (must be below 250)");
    const bad = check(artifactKind, p95({ below: 200 }), world());
    expect(bad.status).toBe("fail");
    expect(bad.summary).toBe("metrics.p95_ms = 231 (must be below 200)");
  });

  it("honours each comparison at its boundary", () => {
    expect(check(artifactKind, p95({ below: 231 }), world()).status).toBe("fail");
    expect(check(artifactKind, p95({ atMost: 231 }), world()).status).toBe("pass");
    expect(check(artifactKind, p95({ atLeast: 231 }), world()).status).toBe("pass");
    expect(check(artifactKind, p95({ above: 231 }), world()).status).toBe("fail");
    expect(check(artifactKind, p95({ equals: 231 }), world()).status).toBe("pass");
    const range = check(artifactKind, p95({ atLeast: 100, below: 250 }), world());
    expect(range.summary).toBe("metrics.p95_ms = 231 (must be at least 100 and below 250)");
  });

  it("indexes arrays with numeric segments and compares booleans and strings", () => {
    const at = (path: string, equals: unknown) =>
      check(
        artifactKind,
        { workflow: "load.yml", name: "k6-summary", json: { file: "summary.json", path, equals } },
        world(),
      ).status;
    expect(at("results.0.passed", true)).toBe("pass");
    expect(at("results.1.passed", true)).toBe("fail");
    expect(at("metrics.label", "fast")).toBe("pass");
  });

  it("a figure the file does not report is unknown, as in a table: not measured, never passed", () => {
    const r = check(
      artifactKind,
      { ...p95({ below: 1 }), json: { file: "summary.json", path: "results.5.passed", equals: true } },
      world(),
    );
    expect(r.status).toBe("unknown");
    expect(r.credit).toBe(0);
    expect(r.summary).toContain("results.5.passed is not reported in summary.json");
    expect(r.fix).toContain("write results.5.passed to summary.json, or correct the path");
  });

  it("fails a numeric comparison on something that is not a number", () => {
    const r = check(
      artifactKind,
      { ...p95({}), json: { file: "summary.json", path: "metrics.label", below: 3 } },
      world(),
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toContain('metrics.label = "fast" is not a number');
  });

  it("fails with the parser's message on bad JSON", () => {
    const r = check(artifactKind, p95({ below: 250 }), world("{ not json"));
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("summary.json in artifact k6-summary is not valid JSON");
  });

  it("fails when the artifact lacks the file", () => {
    const r = check(
      artifactKind,
      { ...p95({}), json: { file: "other.json", path: "x", equals: 1 } },
      world(),
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("artifact k6-summary from load.yml holds no file other.json");
  });

  it("propagates an unreadable artifact as unknown", () => {
    const r = check(artifactKind, p95({ below: 250 }), { unknown: { artifactFile: "artifact expired" } });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("artifact expired");
  });
});

describe("artifact through the engine", () => {
  it("scores a latency SLO on a pull request", () => {
    const report = evaluateWorld(
      { version: 1, checks: { latency: { artifact: p95({ below: 250 }) } } },
      world(),
      prTarget,
    );
    expect(report.checks[0]?.status).toBe("pass");
    expect(report.score).toBe(100);
  });
});

// Seed 002's coverage goals: overall 80, critical paths 90, services 85, models 95.
describe("artifact: a table of targets (issue 9)", () => {
  const coverage = (totals: Record<string, unknown>) => ({
    artifacts: [
      { workflow: "ci.yml", name: "coverage", files: { "coverage.json": JSON.stringify({ totals }) } },
    ],
  });
  const targets = {
    workflow: "ci.yml",
    name: "coverage",
    json: {
      file: "coverage.json",
      assert: [
        { path: "totals.overall", atLeast: 80, label: "overall" },
        { path: "totals.critical", atLeast: 90, label: "critical paths" },
        { path: "totals.services", atLeast: 85 },
        { path: "totals.models", atLeast: 95, label: "models" },
      ],
    },
  };

  it("passes with full credit when every target is met, each reported", () => {
    const r = check(
      artifactKind,
      targets,
      coverage({ overall: 84, critical: 91, services: 85, models: 97.5 }),
    );
    expect(r.status).toBe("pass");
    expect(r.credit).toBe(1);
    expect(r.summary).toBe("4 of 4 targets met in coverage.json of artifact coverage");
    expect(r.details).toEqual([
      "met: overall (totals.overall) = 84 (must be at least 80)",
      "met: critical paths (totals.critical) = 91 (must be at least 90)",
      "met: totals.services = 85 (must be at least 85)",
      "met: models (totals.models) = 97.5 (must be at least 95)",
    ]);
  });

  it("fails with the share met as credit, naming each miss with actual and target", () => {
    const r = check(artifactKind, targets, coverage({ overall: 84, critical: 71, services: 86, models: 93 }));
    expect(r.status).toBe("fail");
    expect(r.credit).toBe(0.5);
    expect(r.summary).toBe(
      "2 of 4 targets met in coverage.json of artifact coverage; missed: critical paths = 71, must be at least 90; models = 93, must be at least 95",
    );
    expect(r.details).toContain("missed: critical paths (totals.critical) = 71 (must be at least 90)");
    expect(r.details).toContain("met: totals.services = 86 (must be at least 85)");
  });

  it("counts a figure that is not a number as missed", () => {
    const r = check(
      artifactKind,
      targets,
      coverage({ overall: "84%", critical: 91, services: 86, models: 97 }),
    );
    expect(r.status).toBe("fail");
    expect(r.credit).toBe(0.75);
    expect(r.details?.[0]).toBe(
      'missed: overall (totals.overall) = "84%", not a number (must be at least 80)',
    );
  });

  it("a figure the file does not report is unknown, never met: the check earns nothing", () => {
    const r = check(artifactKind, targets, coverage({ overall: 84, critical: 91, services: null }));
    expect(r.status).toBe("unknown");
    expect(r.credit).toBe(0);
    expect(r.summary).toBe(
      "2 of 4 targets met in coverage.json of artifact coverage; not reported: totals.services; models",
    );
    expect(r.details).toEqual([
      "met: overall (totals.overall) = 84 (must be at least 80)",
      "met: critical paths (totals.critical) = 91 (must be at least 90)",
      "not reported: totals.services is null (must be at least 85)",
      "not reported: models (totals.models) is not in coverage.json (must be at least 95)",
    ]);
    expect(r.fix).toBe(
      "Make ci.yml write totals.services and totals.models to coverage.json, or correct the path",
    );
  });

  it("a definite miss decides over an unreported figure: fail, with the share met", () => {
    const r = check(artifactKind, targets, coverage({ overall: 84, critical: 71, services: 86 }));
    expect(r.status).toBe("fail");
    expect(r.credit).toBe(0.5);
    expect(r.summary).toContain("missed: critical paths = 71, must be at least 90; not reported: models");
  });

  it("reads the one file once, as the single form does", () => {
    expect(check(artifactKind, targets, coverage({})).asked).toEqual([
      { type: "artifactFile", workflow: { file: "ci.yml" }, artifact: "coverage", file: "coverage.json" },
      { type: "workflowChanges" },
    ]);
  });

  it("a missing file or bad JSON fails the whole table; an unreadable artifact is unknown", () => {
    const missing = check(artifactKind, targets, {
      artifacts: [{ workflow: "ci.yml", name: "coverage", files: { "other.json": "{}" } }],
    });
    expect([missing.status, missing.credit]).toEqual(["fail", 0]);
    expect(missing.summary).toBe("artifact coverage from ci.yml holds no file coverage.json");
    const unreadable = check(artifactKind, targets, { unknown: { artifactFile: "artifact expired" } });
    expect([unreadable.status, unreadable.credit]).toEqual(["unknown", 0]);
  });

  it("the single form takes a label too, and keeps its summary", () => {
    const r = check(
      artifactKind,
      { ...p95({ below: 250 }), json: { ...p95({}).json, below: 250, label: "p95" } },
      world(),
    );
    expect(r.summary).toBe("p95: metrics.p95_ms = 231 (must be below 250)");
  });

  it("gives the check partial credit in the score", () => {
    const report = evaluateWorld(
      { version: 1, checks: { coverage: { artifact: targets } } },
      coverage({ overall: 84, critical: 91, services: 80, models: 93 }),
      prTarget,
    );
    expect(report.checks[0]?.status).toBe("fail");
    expect(report.checks[0]?.credit).toBe(0.5);
    expect(report.score).toBe(50);
  });
});
