// Folding a monorepo's project reports into the root's: the most restrictive verdict, fail closed.
import { describe, expect, it } from "vitest";
import { combineProjects, flagChangedPolicies } from "../../src/engine/projects.js";
import type { Report, Verdict } from "../../src/engine/types.js";

function report(verdict: Verdict, o: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    verdict,
    score: verdict === "go" ? 100 : 40,
    minScore: 80,
    mode: "block",
    incomplete: false,
    conclusive: true,
    evaluatedAt: "2026-01-01T00:00:00.000Z",
    target: { context: "local" },
    categories: [],
    checks: [],
    blocking: [],
    pending: [],
    waivers: [],
    notes: [],
    level: null,
    levels: [],
    waiveDays: 14,
    ...o,
  };
}

describe("combineProjects", () => {
  it("the most restrictive verdict wins: no-go over pending over go; the root's score stays", () => {
    const a = { path: "a", policy: "a/.readiness.yml" };
    expect(combineProjects(report("go"), [{ ...a, report: report("pending") }]).verdict).toBe("pending");
    const mixed = combineProjects(report("pending"), [
      { ...a, report: report("no-go") },
      { path: "b", policy: "b/.readiness.yml", report: report("go") },
    ]);
    expect(mixed.verdict).toBe("no-go");
    expect(mixed.score).toBe(40);
    expect(mixed.projects?.map((p) => p.verdict)).toEqual(["no-go", "go"]);
    expect(combineProjects(report("go"), []).projects).toEqual([]);
  });

  it("a project that could not be judged is NO-GO and incomplete, with an error check saying why", () => {
    const r = combineProjects(report("go"), [{ path: "a", policy: "a/.readiness.yml", problem: "missing" }]);
    expect(r).toMatchObject({
      verdict: "no-go",
      incomplete: true,
      conclusive: false,
      blocking: ["a:policy"],
    });
    expect(r.checks[0]).toMatchObject({ id: "a:policy", status: "error", summary: "missing" });
  });

  it("an unknown in one project does not make another's definite NO-GO inconclusive", () => {
    const r = combineProjects(report("go"), [
      { path: "a", policy: "a/.readiness.yml", report: report("no-go") },
      {
        path: "b",
        policy: "b/.readiness.yml",
        report: report("no-go", { incomplete: true, conclusive: false }),
      },
    ]);
    expect(r).toMatchObject({ verdict: "no-go", incomplete: true, conclusive: true });
  });

  it("a project's policy broken by the change fails the report", () => {
    const r = flagChangedPolicies(report("go"), [{ path: "a", policy: "a/.readiness.yml", problem: "bad" }]);
    expect(r).toMatchObject({ verdict: "no-go", blocking: ["a:policy-in-change"] });
  });
});
