import { z } from "zod";
import type { Alert, AlertSource, Need, Severity } from "../evidence/types.js";
import { capLines, failed, link, type Part, passed, plural, settle, unknownResult } from "./common.js";
import { ALL_CONTEXTS, defineKind } from "./types.js";

const RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
const SEVERITIES_DOWN: Severity[] = ["critical", "high", "medium", "low"];
/** How many alerts a report lists one by one; the counts cover the rest. */
const MAX_LISTED = 10;

const LABEL: Record<AlertSource, string> = {
  dependabot: "Dependabot",
  "code-scanning": "code scanning",
  "secret-scanning": "secret scanning",
};

const rank = (a: Alert): number => RANK[a.severity] ?? RANK.critical;

/** "1 critical, 2 high" */
function counts(alerts: Alert[]): string {
  return SEVERITIES_DOWN.map((s) => [s, alerts.filter((a) => a.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

export const alertsKind = defineKind({
  name: "alerts",
  description:
    "No open security alert above a severity from Dependabot, code scanning or secret scanning (secret-scanning alerts count as critical).",
  schema: () =>
    z.strictObject({
      sources: z
        .array(z.enum(["dependabot", "code-scanning", "secret-scanning"]))
        .min(1)
        .default(["dependabot", "code-scanning", "secret-scanning"]),
      maxSeverity: z
        .enum(["none", "low", "medium", "high"])
        .default("medium")
        .describe("Highest severity allowed to stay open; none allows no open alert."),
    }),
  appliesTo: ALL_CONTEXTS,
  needs: (p): Need[] => [...new Set(p.sources)].map((source) => ({ type: "alerts", source })),
  evaluate: (p, { facts }) => {
    const limit = p.maxSeverity === "none" ? 0 : RANK[p.maxSeverity];
    const above = p.maxSeverity === "none" ? "" : ` above ${p.maxSeverity}`;
    const sources = [...new Set(p.sources)];
    const open: Alert[] = [];
    const parts: Part[] = sources.map((source): Part => {
      const fact = facts.get({ type: "alerts", source });
      if (fact.state === "unknown") {
        return { state: "unknown", reason: `${LABEL[source]} alerts could not be read: ${fact.reason}` };
      }
      // Secret-scanning alerts carry no severity of their own; an unheard-of severity is treated as the worst.
      const alerts = fact.value.map(
        (a): Alert => ({ ...a, source, severity: source === "secret-scanning" ? "critical" : a.severity }),
      );
      open.push(...alerts);
      return alerts.some((a) => rank(a) > limit) ? { state: "fail" } : { state: "ok" };
    });
    const offending = open
      .filter((a) => rank(a) > limit)
      .sort((a, b) => rank(b) - rank(a) || a.source.localeCompare(b.source) || a.number - b.number);
    const { status, credit } = settle(parts);
    const where = sources.map((s) => LABEL[s]);

    if (status === "fail") {
      const listed = offending.slice(0, MAX_LISTED);
      return failed(`${plural(offending.length, "open alert")}${above}: ${counts(offending)}`, credit, {
        details: capLines(
          offending.map((a) => `${a.severity} · ${LABEL[a.source]} #${a.number}: ${a.summary}`),
          MAX_LISTED,
        ),
        evidence: listed.map((a) => link(`${LABEL[a.source]} #${a.number}`, a.url)),
        fix: `Fix or dismiss the open alerts${above} (repository Security tab)`,
      });
    }
    if (status === "unknown") {
      const reasons = parts.filter((x) => x.state === "unknown").map((x) => x.reason!);
      return unknownResult(reasons[0]!, { details: reasons.slice(1) });
    }
    const tolerated = open.length > 0 ? ` (${counts(open)} open)` : "";
    return passed(
      p.maxSeverity === "none"
        ? `no open alerts in ${where.join(", ")}`
        : `no open alerts${above} in ${where.join(", ")}${tolerated}`,
    );
  },
});
