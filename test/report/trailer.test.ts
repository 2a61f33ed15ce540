// The check run's machine-readable trailer: what the differential test reads back from the App's run.
import { describe, expect, it } from "vitest";
import { reportResult, SUMMARY_MAX_BYTES } from "../../src/report/check-run.js";
import { readChecksTrailer, TRAILER_MAX_BYTES } from "../../src/report/trailer.js";
import { check, noGo, report } from "./fixtures.js";

describe("check run trailer", () => {
  it("gives back each check's id, status and credit, hidden from the rendered summary", () => {
    const r = noGo();
    const { output } = reportResult(r, { checkName: "Production readiness", timeSensitive: false });
    const trailer = readChecksTrailer(output.summary);
    expect(trailer).toEqual({
      checks: r.checks.map((c) => ({ id: c.id, status: c.status, credit: c.credit })),
      omitted: 0,
    });
    expect(output.summary.trimEnd().endsWith("-->")).toBe(true);
  });

  it("is bounded: a policy of 2,000 checks lists what fits in 8 KiB and counts the rest", () => {
    const checks = Array.from({ length: 2000 }, (_, i) =>
      check(`a-rather-long-check-identifier-${i}`, { status: "fail", credit: 0.333 }),
    );
    const { output } = reportResult(report({ checks }), { checkName: "Readiness", timeSensitive: false });
    const trailer = readChecksTrailer(output.summary)!;
    expect(trailer.checks.length).toBeGreaterThan(50);
    expect(trailer.checks.length + trailer.omitted).toBe(2000);
    const start = output.summary.lastIndexOf("<!-- readiness:checks");
    expect(Buffer.byteLength(output.summary.slice(start))).toBeLessThanOrEqual(TRAILER_MAX_BYTES);
    expect(Buffer.byteLength(output.summary)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
  });

  it("a summary without one, or with a damaged one, reads as none", () => {
    expect(readChecksTrailer("## Production readiness\n\nGO")).toBeNull();
    expect(
      readChecksTrailer('x <!-- readiness:checks {"v":1,"checks":[["a","pass"]],"omitted":0} -->'),
    ).toBeNull();
    expect(readChecksTrailer("x <!-- readiness:checks {not json} -->")).toBeNull();
  });
});
