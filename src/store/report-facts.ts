// What the dashboard keeps of a report beside its scores: the waivers that applied (with reason, who approved,
// where) and the sign-offs that counted (signoff and attestation checks: who, when, until when). Pure: read
// from the report's public fields, the same text a person reads on the check run.
import type { Report } from "../engine/types.js";
import type { SignOffEntry, WaiverEntry } from "./dashboard-types.js";

const DAY_MS = 86_400_000;
/** Bounds what one report may put in the history, whatever its policy holds. */
const MAX_ENTRIES = 100;
const MAX_TEXT = 500;

const clip = (s: string, n = MAX_TEXT): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The waivers that covered a check in this evaluation. */
export function appliedWaivers(report: Report): WaiverEntry[] {
  return report.waivers
    .filter((w) => w.state === "applied")
    .slice(0, MAX_ENTRIES)
    .map((w) => ({
      check: w.check,
      source: w.source,
      reason: clip(w.reason),
      approvedBy: w.approvedBy ?? null,
      expires: w.expires,
      url: w.url ?? null,
    }));
}

/** "2 days ago" (describeAge in src/checks/common.ts), as the day it names, counted back from `at`. */
function dayBefore(age: string, at: number): string | null {
  if (age === "today") return day(at);
  if (age === "yesterday") return day(at - DAY_MS);
  const m = /^(\d+) days ago$/.exec(age);
  return m ? day(at - Number(m[1]) * DAY_MS) : null;
}

/**
 * Sign-offs that count now: each passing or partly met signoff check's people (its evidence links "sign-off by
 * LOGIN", the day from the summary's "LOGIN (2 days ago)", until when from "counts until ..." in its details),
 * and each passing attestation ("attested by LOGIN on DATE (...; counts until DAY)").
 */
export function signOffs(report: Report): SignOffEntry[] {
  const at = Date.parse(report.evaluatedAt);
  const out: SignOffEntry[] = [];
  for (const c of report.checks) {
    if (out.length >= MAX_ENTRIES) break;
    if (c.kind === "signoff" && (c.status === "pass" || c.status === "fail")) {
      for (const e of c.evidence ?? []) {
        const by = /^sign-off by (\S+)$/.exec(e.label)?.[1];
        if (!by) continue;
        const esc = by.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const age = new RegExp(`(?:^|[ ,:])${esc} \\((today|yesterday|\\d+ days ago)\\)`).exec(
          c.summary,
        )?.[1];
        const until = (c.details ?? [])
          .map((d) =>
            new RegExp(
              `^${esc} signed off.*\\(counts until (\\d{4}-\\d\\d-\\d\\d) (\\d\\d:\\d\\d) UTC\\)$`,
            ).exec(d),
          )
          .find((m) => m);
        out.push({
          check: c.id,
          by,
          at: age && Number.isFinite(at) ? dayBefore(age, at) : null,
          until: until ? `${until[1]}T${until[2]}:00Z` : null,
          url: e.url ?? null,
        });
      }
    }
    if (c.kind === "attestation" && c.status === "pass") {
      // The last match: the statement, quoted before it, cannot pose as the attestation's own fields.
      const all = [...c.summary.matchAll(/", attested by (\S+) on (\S+) \(([^()]*)\)/g)];
      const m = all[all.length - 1];
      if (!m) continue;
      out.push({
        check: c.id,
        by: m[1]!,
        at: m[2]!,
        until: /counts until (\S+)$/.exec(m[3]!)?.[1] ?? null,
        url: c.evidence?.[0]?.url ?? null,
      });
    }
  }
  return out;
}

/** Categories of the evaluation scored under 100 (a category that does not apply is not weak). */
export const weakCategories = (report: Report): string[] =>
  report.categories.filter((c) => c.score !== null && c.score < 100).map((c) => c.id);
