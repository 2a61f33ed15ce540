import { describe, expect, it } from "vitest";
import { type Need, needKey } from "../../src/evidence/types.js";

/** The definition: JSON with keys sorted at every depth. */
const sorted = (need: Need) =>
  JSON.stringify(need, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

describe("needKey", () => {
  const needs: Need[] = [
    { type: "content", path: 'docs/"quoted" ü.md' },
    { type: "lastChanged", path: "docs/a.md" },
    { type: "lastChanged", path: "docs/a.md", within: 30 },
    { type: "lastChanged", path: "docs/a.md", within: 0.5 },
    { within: 180, path: "docs/a.md", type: "lastChanged" },
    { type: "lastChanged", path: "docs/a.md", within: undefined },
    { type: "workflowRuns", workflow: { file: "ci.yml", name: "CI" }, branch: "main", limit: 5 },
    { type: "ledger", teams: ["b", "a"] },
  ];

  it("is the sorted-key JSON of the need, on the fast paths too", () => {
    for (const n of needs) expect(needKey(n)).toBe(sorted(n));
  });

  it("tells apart needs that differ only in a parameter", () => {
    const keys = new Set(needs.slice(1, 4).map(needKey));
    expect(keys.size).toBe(3);
  });
});
