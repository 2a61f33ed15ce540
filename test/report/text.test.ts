import { describe, expect, it } from "vitest";
import { renderText } from "../../src/report/text.js";
import { check, noGo, report } from "./fixtures.js";

const ANSI = /\u001b\[/;

describe("renderText", () => {
  it("opens with verdict, score against minScore and what stands in the way", () => {
    const out = renderText(noGo(), { color: false });
    expect(out.split("\n")[0]).toBe("NO-GO · 72.5/100 (needs 80) · 3 blocking · 1 waived · incomplete");
    expect(renderText(report(), { color: false }).split("\n")[0]).toBe("GO · 100.0/100 (needs 80)");
  });

  it("draws one bar per category with score and weight, checks grouped under it in policy order", () => {
    const out = renderText(noGo(), { color: false });
    expect(out).toContain("Security        ████████░░   87.5  (w 15)");
    expect(out).toContain("Operations      ████░░░░░░   40.0  (w 5)");
    expect(out).toMatch(/Docs {12}░{10} {4}n\/a {2}\(w 1\) {2}no applicable checks/);
    const order = [
      "Security",
      "No critical alerts",
      "SBOM published",
      "CodeQL",
      "Operations",
      "Runbook",
      "CI green",
    ];
    const positions = order.map((s) => out.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("gives each check a symbol and word and its summary; the fix of what blocks is in What blocks", () => {
    const out = renderText(noGo(), { color: false });
    expect(out).toContain("✗ FAIL    Runbook is fresh [runbook]  (required, BLOCKING)");
    expect(out).toContain("            docs/runbook.md last changed 45 days ago (limit 30)");
    expect(out).not.toContain("            fix: Review docs/runbook.md");
    expect(out).toContain("? UNKNOWN CI green [ci]  (required, BLOCKING)");
    expect(out).toContain("✓ pass    No critical alerts [alerts]");
    expect(out).toContain("- skipped Changelog [changelog]");
    expect(out).toContain("  - javascript: failed");
  });

  it("lists waivers with who, why and until, and the notes", () => {
    const out = renderText(noGo(), { color: false });
    expect(out).toContain(
      "applied        sbom: SBOM tooling lands next sprint (policy by alice, until 2025-03-31)",
    );
    expect(out).toContain("unknown-check  ghost:");
    expect(out).toContain("Notes\n  • Some evidence could not be had");
  });

  it("uses ANSI colour only when asked", () => {
    expect(renderText(noGo(), { color: false })).not.toMatch(ANSI);
    expect(renderText(report({ verdict: "pending", pending: ["ci"] }), { color: false })).not.toMatch(ANSI);
    const coloured = renderText(noGo(), { color: true });
    expect(coloured).toMatch(ANSI);
    // Colour changes nothing but the escapes.
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(renderText(noGo(), { color: false }));
  });

  it("strips control characters from user text, so a summary cannot drive the terminal", () => {
    const r = report({
      checks: [check("x", { title: "evil\u001b[2Jtitle", summary: "line1\nline2\r\u0007", status: "fail" })],
    });
    const out = renderText(r, { color: false });
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(out).toContain("evil [2Jtitle");
    expect(out).toContain("line1 line2");
  });

  it("says pending and warn mode in the headline", () => {
    const r = report({
      verdict: "pending",
      score: 90,
      mode: "warn",
      pending: ["ci"],
      checks: [check("ci", { status: "pending", credit: 0, summary: "CI is running" })],
    });
    const out = renderText(r, { color: false });
    expect(out.split("\n")[0]).toBe("PENDING · 90.0/100 (needs 80) · 1 pending · warn mode");
    expect(out).toContain("… pending");
  });

  it("closes with What blocks: the blocking checks, costliest first, each with its fix", () => {
    const out = renderText(noGo(), { color: false });
    const tail = out.slice(out.lastIndexOf("What blocks"));
    expect(tail).toBe(
      [
        "What blocks",
        "  1. CodeQL [codeql]  (fail, costs 9.4 points)",
        "     1 of 2 analyses failed",
        "  2. Runbook is fresh [runbook]  (fail, required, costs 6.2 points)",
        "     fix: Review docs/runbook.md and commit any change",
        "  3. CI green [ci]  (unknown, required, costs 6.1 points)",
        "     fix: Re-run the gate",
        "",
      ].join("\n"),
    );
    expect(renderText(report(), { color: false })).not.toContain("What blocks");
  });

  it("--quiet is the verdict line alone; --only-failing leaves out what passes, is waived or skipped", () => {
    expect(renderText(noGo(), { color: false, quiet: true })).toBe(
      "NO-GO · 72.5/100 (needs 80) · 3 blocking · 1 waived · incomplete\n",
    );
    const out = renderText(noGo(), { color: false, onlyFailing: true });
    expect(out).toContain("✗ FAIL    CodeQL [codeql]");
    expect(out).toContain("? UNKNOWN CI green [ci]");
    expect(out).not.toContain("No critical alerts");
    expect(out).not.toContain("SBOM published");
    expect(out).not.toContain("Changelog");
    // Docs has no failing check left: its line goes too.
    expect(out).not.toMatch(/^Docs/m);
    expect(out).toContain("What blocks");
  });

  it("names the level reached and what the next one needs", () => {
    const r = noGo();
    r.levels = [
      { id: "bronze", minScore: 60, require: [], reached: true, missing: [] },
      { id: "silver", minScore: 80, require: ["runbook"], reached: false, missing: ["runbook"] },
    ];
    r.level = "bronze";
    expect(renderText(r, { color: false }).split("\n")[0]).toBe(
      "NO-GO · 72.5/100 (needs 80) · 3 blocking · 1 waived · incomplete · level bronze (silver needs 80 and runbook)",
    );
  });
});
