import { describe, expect, it } from "vitest";
import { renderJson, toJsonReport } from "../../src/report/json.js";
import { check, noGo, report } from "./fixtures.js";
import { JsonReportSchema } from "./json-contract.js";

describe("renderJson", () => {
  it("is two-space JSON with a trailing newline, and matches the documented contract", () => {
    const text = renderJson(noGo());
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "schemaVersion": 1,');
    const parsed = JSON.parse(text);
    expect(JsonReportSchema.parse(parsed)).toEqual(parsed);
  });

  it("always has every key; absent values are null or empty arrays", () => {
    const j = toJsonReport(report({ checks: [check("a")] }));
    expect(j.checks[0]).toEqual({
      id: "a",
      title: "a",
      category: "general",
      kind: "file",
      required: false,
      weight: 1,
      status: "pass",
      credit: 1,
      summary: "a is fine",
      details: [],
      evidence: [],
      fix: null,
      waiver: null,
      waivable: true,
      cost: 0,
    });
    expect(j.target).toEqual({
      context: "local",
      repository: null,
      sha: "0123456789abcdef0123456789abcdef01234567",
      ref: "main",
      pullRequest: null,
      release: null,
      environment: null,
    });
    expect(JsonReportSchema.parse(j)).toEqual(j);
  });

  it("keeps the key order of the contract and copies only contract fields", () => {
    const r = { ...noGo(), internal: "not for the public" } as ReturnType<typeof noGo>;
    const j = toJsonReport(r);
    expect(Object.keys(j)).toEqual([
      "schemaVersion",
      "verdict",
      "score",
      "minScore",
      "mode",
      "level",
      "incomplete",
      "conclusive",
      "evaluatedAt",
      "target",
      "categories",
      "levels",
      "checks",
      "blocking",
      "pending",
      "waivers",
      "notes",
    ]);
    expect(JSON.stringify(j)).not.toContain("not for the public");
    const sbom = j.checks.find((c) => c.id === "sbom")!;
    expect(sbom.waiver).toMatchObject({ check: "sbom", approvedBy: "alice", url: null, state: "applied" });
    expect(j.blocking).toEqual(["runbook", "ci", "codeql"]);
  });

  it("does not share arrays with the report", () => {
    const r = noGo();
    const j = toJsonReport(r);
    j.blocking.push("x");
    j.notes.push("x");
    expect(r.blocking).not.toContain("x");
    expect(r.notes).not.toContain("x");
  });
});
