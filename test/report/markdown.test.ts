import { describe, expect, it } from "vitest";
import type { CheckReport, Report } from "../../src/engine/types.js";
import { COMMENT_MARKER, escapeMarkdown, renderComment, renderMarkdown } from "../../src/report/markdown.js";
import { check, noGo, report } from "./fixtures.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
/** Cells of a table row, splitting on pipes that are not escaped. */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1);
const OMITTED = /_(\d+) more checks omitted \(see `readiness check --format json`\)\._/;

/** A policy of `n` checks with long, multi-byte summaries; every 7th fails and is required. */
function huge(n: number, summaryChars = 400): Report {
  const checks: CheckReport[] = [];
  for (let i = 0; i < n; i++) {
    const failing = i % 7 === 0;
    checks.push(
      check(`check-${i}`, {
        title: `Prüfung ${i} — 検査 ✓`,
        category: `cat${i % 5}`,
        required: failing,
        status: failing ? "fail" : "pass",
        credit: failing ? 0 : 1,
        summary: Array.from("ü漢😀 ".repeat(Math.ceil(summaryChars / 4)))
          .slice(0, summaryChars)
          .join(""),
        details: ["détail 1", "détail 2"],
        evidence: [{ label: "log ✓", url: `https://example.com/run/${i}` }],
        ...(failing ? { fix: "Réparez ceci — 修正してください ".repeat(4) } : {}),
      }),
    );
  }
  return report({
    verdict: "no-go",
    score: 85.7,
    categories: [0, 1, 2, 3, 4].map((i) => ({
      id: `cat${i}`,
      title: `Catégorie ${i}`,
      weight: 1,
      score: 85.7,
      checks: n / 5,
    })),
    checks,
    blocking: checks.filter((c) => c.status === "fail").map((c) => c.id),
    notes: ["Une note ✓"],
  });
}

describe("renderMarkdown", () => {
  it("leads with verdict and score, then what blocks with its fix", () => {
    const md = renderMarkdown(noGo(), {
      title: "Production readiness",
      detailsUrl: "https://github.com/acme/api/runs/7",
    });
    expect(md.split("\n")[0]).toBe("## ❌ Production readiness: NO-GO · 72.5/100 (needs 80)");
    expect(md).toContain("**3 blocking · 1 waived · incomplete**");
    expect(md).toContain("### What blocks");
    expect(md).toContain(
      "- ❌ **Runbook is fresh** `runbook` · required · costs 6.2 points — docs/runbook.md last changed 45 days ago (limit 30)",
    );
    expect(md).toContain("  **fix:** Review docs/runbook.md and commit any change");
    expect(md).toContain("- ❓ **CI green** `ci` · required");
    // costliest first
    const blocks = md.slice(md.indexOf("### What blocks"), md.indexOf("### Categories"));
    expect(["CodeQL", "Runbook is fresh", "CI green"].map((t) => blocks.indexOf(t))).toEqual(
      ["CodeQL", "Runbook is fresh", "CI green"].map((t) => blocks.indexOf(t)).sort((a, b) => a - b),
    );
    expect(md).toContain("[Full report](https://github.com/acme/api/runs/7)");
    expect(md).not.toMatch(OMITTED);
  });

  it("has a category table with bars, a check table with status emoji and evidence links, waivers and notes", () => {
    const md = renderMarkdown(noGo());
    expect(md).toContain("| Security | ████████░░ | 87.5 | 15 | 3 |");
    expect(md).toContain("| Docs | ░░░░░░░░░░ | n/a | 1 | 0 |");
    expect(md).toContain("| ✅ | **No critical alerts** `alerts` | Security | 0 open critical alerts |");
    expect(md).toContain("| ☑️ | **SBOM published** `sbom` |");
    expect(md).toContain("[docs/runbook.md](https://github.com/acme/api/blob/main/docs/runbook.md)");
    expect(md).toContain("### Waivers");
    expect(md).toContain(
      "| `sbom` | policy | alice | SBOM tooling lands next sprint | 2025-03-31 | applied |",
    );
    expect(md).toContain("| `ghost` | policy | — |");
    expect(md).toContain("### Notes\n\n- Some evidence could not be had");
  });

  it("keeps a note's command as code and defuses the rest of it", () => {
    const md = renderMarkdown(
      report({
        notes: ["Run `readiness check --repo OWNER/NAME` (with *GITHUB_TOKEN*) or ask @octo"],
      }),
    );
    expect(md).toContain(
      "- Run `readiness check --repo OWNER/NAME` (with \\*GITHUB\\_TOKEN\\*) or ask @\u200bocto",
    );
  });

  it("renders GO, pending and incomplete headlines", () => {
    expect(renderMarkdown(report()).split("\n")[0]).toBe("## ✅ GO · 100.0/100 (needs 80)");
    const pending = report({
      verdict: "pending",
      score: 90,
      pending: ["ci"],
      checks: [check("ci", { status: "pending", credit: 0, summary: "CI is running" })],
    });
    const md = renderMarkdown(pending);
    expect(md.split("\n")[0]).toBe("## ⏳ PENDING · 90.0/100 (needs 80)");
    expect(md).toContain("**1 pending**");
    expect(md).toContain("| ⏳ | **ci** | General | CI is running |");
    expect(renderMarkdown(report({ verdict: "no-go", incomplete: true }))).toContain("**incomplete**");
  });

  it("says when warn mode means the result does not block", () => {
    expect(renderMarkdown({ ...noGo(), mode: "warn" })).toContain("**warn** mode");
  });

  it("escapes markup in user-provided strings so nothing can be injected", () => {
    const evil =
      "a|b <img src=x onerror=alert(1)> `code` [link](javascript:alert(1)) **bold** @everyone\nnext $x$";
    const r = report({
      verdict: "no-go",
      checks: [
        check("evil", {
          title: evil,
          status: "fail",
          required: true,
          credit: 0,
          summary: `${evil} ${COMMENT_MARKER}`,
          fix: evil,
          details: [evil],
          evidence: [
            { label: evil, url: "javascript:alert(1)" },
            { label: "ok", url: "https://x.test/a)b(c" },
          ],
        }),
        check("fine", { summary: evil }),
      ],
      blocking: ["evil"],
      waivers: [
        {
          check: "evil",
          source: "comment",
          reason: evil,
          expires: "2025-04-01",
          approvedBy: evil,
          state: "applied",
        },
        { check: "x|y`z", source: "comment", reason: "r", expires: "2025-04-01", state: "unknown-check" },
      ],
      notes: [evil, "- not a list", "1. not a list", "# not a heading"],
    });
    for (const md of [renderMarkdown(r, { title: evil }), renderComment(r, { title: evil })]) {
      expect(md).not.toContain("<img");
      expect(md).not.toMatch(/(?<!\\)\]\(javascript:/);
      expect(md).not.toContain("@everyone");
      expect(md).not.toMatch(/(?<!\\)`code/);
      expect(md).not.toMatch(/(?<!\\)\*\*bold/);
      expect(md).not.toMatch(/(?<!\\)\$x/);
      expect(md.split(COMMENT_MARKER).length).toBeLessThanOrEqual(2);
      // Every table row keeps the column count of its header: no pipe or newline escaped a cell.
      const lines = md.split("\n");
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i]!.startsWith("| --- ")) continue;
        const width = cells(lines[i - 1]!).length;
        for (let j = i + 1; j < lines.length && lines[j]!.startsWith("|"); j++)
          expect(cells(lines[j]!)).toHaveLength(width);
      }
    }
    const md = renderMarkdown(r);
    expect(md).toContain(
      "a\\|b &lt;img src=x onerror=alert(1)&gt; \\`code\\` \\[link\\](javascript:alert(1))",
    );
    expect(md).toContain("[ok](https://x.test/a%29b%28c)");
    expect(md).toContain("- \\- not a list");
    expect(md).toContain("- 1\\. not a list");
    expect(md).toContain("- \\# not a heading");
  });

  it("escapeMarkdown flattens newlines and defuses mentions", () => {
    expect(escapeMarkdown("a\nb\r\nc")).toBe("a b c");
    expect(escapeMarkdown("@octocat")).toBe("@\u200boctocat");
    expect(escapeMarkdown("x".repeat(50), 10)).toBe(`${"x".repeat(9)}…`);
  });

  it("ignores a details URL that is not http(s)", () => {
    expect(renderMarkdown(report(), { detailsUrl: "javascript:alert(1)" })).not.toContain("javascript");
  });

  it("stays under 65,535 UTF-8 bytes with 2,000 checks and long multi-byte summaries", () => {
    const r = huge(2000);
    const md = renderMarkdown(r);
    expect(bytes(md)).toBeLessThanOrEqual(65_535);
    expect(md.split("\n")[0]).toBe("## ❌ NO-GO · 85.7/100 (needs 80)");
    expect(md).toContain("### What blocks");
    for (const id of r.blocking) expect(md).toContain(`\`${id}\``);
    const omitted = md.match(OMITTED);
    expect(omitted).not.toBeNull();
    // Every check is either listed or counted.
    const listed = r.checks.filter((c) => md.includes(`\`${c.id}\` `) || md.includes(`\`${c.id}\`\n`)).length;
    expect(listed + Number(omitted![1])).toBe(2000);
    expect(md).not.toContain("\uFFFD");
  });

  it("drops passing-check detail before anything else", () => {
    const r = huge(40, 200);
    const full = renderMarkdown(r, { maxBytes: 1_000_000 });
    expect(full).toContain("| ✅ | **Prüfung 1 — 検査 ✓** `check-1` | Catégorie 1 | ü漢😀");
    const tighter = renderMarkdown(r, { maxBytes: bytes(full) - 1 });
    expect(tighter).toContain("| ✅ | **Prüfung 1 — 検査 ✓** `check-1` | Catégorie 1 |  |");
    // Failing checks keep their full summary at this level.
    expect(tighter).toContain(r.checks[0]!.summary.slice(0, 100));
    expect(tighter).not.toMatch(OMITTED);
  });

  it("holds any byte budget, keeping the headline, and the omitted line whenever checks are left out", () => {
    const r = huge(2000);
    let previous = Number.POSITIVE_INFINITY;
    for (const maxBytes of [65_535, 30_000, 10_000, 3_000, 1_000, 400]) {
      const md = renderMarkdown(r, { maxBytes, detailsUrl: "https://github.com/acme/api/runs/1" });
      expect(bytes(md)).toBeLessThanOrEqual(maxBytes);
      expect(bytes(md)).toBeLessThanOrEqual(previous);
      previous = bytes(md);
      expect(md.startsWith("## ❌ NO-GO · 85.7/100 (needs 80)")).toBe(true);
      expect(md).toMatch(OMITTED);
      expect(md).not.toContain("\uFFFD");
    }
    // A tiny budget still returns valid UTF-8 within the bound.
    const tiny = renderMarkdown(r, { maxBytes: 20 });
    expect(bytes(tiny)).toBeLessThanOrEqual(20);
    expect(tiny.startsWith("## ❌ NO-GO")).toBe(true);
    expect(tiny).not.toContain("\uFFFD");
  });

  it("lists only blocking checks when nothing else fits, and all of them", () => {
    const r = huge(2000);
    const md = renderMarkdown(r, { maxBytes: 30_000 });
    expect(md).not.toContain("<details>");
    for (const id of r.blocking) expect(md).toContain(`\`${id}\``);
    expect(md).not.toContain("`check-1`");
  });
});

describe("renderComment", () => {
  it("is short: marker, verdict, score, what blocks and how to fix it, waivers, link", () => {
    const c = renderComment(noGo(), { detailsUrl: "https://github.com/acme/api/runs/7" });
    expect(c.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(c).toContain("### ❌ NO-GO · 72.5/100 (needs 80)");
    expect(c).toContain("**What blocks**");
    expect(c).toContain("**fix:** Review docs/runbook.md and commit any change");
    expect(c).toContain(
      "| `sbom` | policy | alice | SBOM tooling lands next sprint | 2025-03-31 | applied |",
    );
    expect(c).not.toContain("ghost");
    expect(c).toContain("[Full report](https://github.com/acme/api/runs/7)");
    expect(c).not.toContain("No critical alerts");
    // Same result, same body, whenever it was evaluated.
    expect(
      renderComment(
        { ...noGo(), evaluatedAt: "2030-01-01T00:00:00.000Z" },
        { detailsUrl: "https://github.com/acme/api/runs/7" },
      ),
    ).toBe(c);
    expect(bytes(c)).toBeLessThan(bytes(renderMarkdown(noGo())));
  });

  it("caps long lists and stays within its byte bound", () => {
    const r = huge(2000);
    const c = renderComment(r);
    expect(c).toContain(`- … and ${r.blocking.length - 10} more`);
    expect(bytes(c)).toBeLessThan(10_000);
    const small = renderComment(r, { maxBytes: 500 });
    expect(bytes(small)).toBeLessThanOrEqual(500);
    expect(small).toContain(COMMENT_MARKER);
  });

  it("names what is pending for a pending verdict", () => {
    const r = report({
      verdict: "pending",
      pending: ["ci"],
      checks: [check("ci", { title: "CI green", status: "pending", credit: 0, summary: "running" })],
    });
    const c = renderComment(r);
    expect(c).toContain("### ⏳ PENDING");
    expect(c).toContain("**Waiting for**\n\n- ⏳ **CI green** `ci`");
  });
});
