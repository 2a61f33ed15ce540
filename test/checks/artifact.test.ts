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

  it("fails when the path is not there", () => {
    const r = check(
      artifactKind,
      { ...p95({ below: 1 }), json: { file: "summary.json", path: "results.5.passed", equals: true } },
      world(),
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("results.5.passed not found in summary.json");
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
