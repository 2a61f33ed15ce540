import { describe, expect, it } from "vitest";
import { alertsKind } from "../../src/checks/alerts.js";
import type { Alert } from "../../src/evidence/types.js";
import { check, evaluateWorld, releaseTarget } from "./helpers.js";

let n = 1;
const alert = (severity: Alert["severity"], source: Alert["source"] = "dependabot"): Alert => {
  const number = n++;
  return {
    source,
    number,
    severity,
    summary: `issue ${number}`,
    url: `https://github.com/acme/shop/security/${source}/${number}`,
  };
};

describe("alerts", () => {
  it("asks for each source once", () => {
    expect(check(alertsKind, {}).asked).toEqual([
      { type: "alerts", source: "dependabot" },
      { type: "alerts", source: "code-scanning" },
      { type: "alerts", source: "secret-scanning" },
    ]);
    expect(check(alertsKind, { sources: ["dependabot"] }).asked).toEqual([
      { type: "alerts", source: "dependabot" },
    ]);
  });

  it("passes with alerts at or below the allowed severity, and says they are open", () => {
    const r = check(alertsKind, { maxSeverity: "medium" }, { alerts: [alert("medium"), alert("low")] });
    expect(r.status).toBe("pass");
    expect(r.summary).toBe(
      "no open alerts above medium in Dependabot, code scanning, secret scanning (1 medium, 1 low open)",
    );
  });

  it("fails on alerts above it, with counts by severity and links", () => {
    const r = check(
      alertsKind,
      { maxSeverity: "medium" },
      {
        alerts: [alert("critical"), alert("high", "code-scanning"), alert("high"), alert("low")],
      },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("3 open alerts above medium: 1 critical, 2 high");
    expect(r.details?.[0]).toMatch(/^critical · Dependabot #\d+/);
    expect(r.evidence).toHaveLength(3);
    expect(r.fix).toContain("Security tab");
  });

  it("counts secret-scanning alerts as critical", () => {
    const r = check(alertsKind, { maxSeverity: "high" }, { alerts: [alert("low", "secret-scanning")] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("1 open alert above high: 1 critical");
  });

  it("none allows no open alert at all", () => {
    const r = check(alertsKind, { maxSeverity: "none" }, { alerts: [alert("low")] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("1 open alert: 1 low");
    expect(check(alertsKind, { maxSeverity: "none" }, {}).summary).toContain("no open alerts");
  });

  it("lists at most ten alerts one by one", () => {
    const alerts = Array.from({ length: 14 }, () => alert("high"));
    const r = check(alertsKind, {}, { alerts });
    expect(r.details).toHaveLength(11);
    expect(r.details?.[10]).toBe("…and 4 more");
    expect(r.evidence).toHaveLength(10);
  });

  it("is unknown with the reason when a source cannot be read and nothing fails", () => {
    const r = check(alertsKind, {}, { unknown: { alerts: "the app lacks security_events: read" } });
    expect(r.status).toBe("unknown");
    expect(r.summary).toBe("Dependabot alerts could not be read: the app lacks security_events: read");
  });

  it("fails on a definite alert even when another source is unknown", () => {
    const r = check(
      alertsKind,
      { sources: ["dependabot", "code-scanning"] },
      {
        alerts: [alert("critical")],
        unknownWhen: (need) =>
          need.type === "alerts" && need.source === "code-scanning"
            ? "code scanning is not enabled"
            : undefined,
      },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("1 open alert above medium: 1 critical");
    expect(r.credit).toBe(0);
  });
});

describe("alerts through the engine", () => {
  it("gates a release", () => {
    const report = evaluateWorld(
      { version: 1, checks: { security: { required: true, alerts: { maxSeverity: "high" } } } },
      { alerts: [alert("critical")] },
      releaseTarget,
    );
    expect(report.checks[0]?.status).toBe("fail");
    expect(report.verdict).toBe("no-go");
  });
});
