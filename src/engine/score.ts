import { DEFAULT_CATEGORY, type Policy } from "../policy/schema.js";
import type { CategoryReport, CheckReport, Report, TargetSummary, Verdict, WaiverView } from "./types.js";

const round1 = (x: number): number => Math.round(x * 10) / 10;
const FAILING = new Set(["fail", "unknown", "error"]);

/** Weighted mean of category scores; `creditOf` lets the verdict ask "what if every pending check passed". */
function score(
  policy: Policy,
  checks: CheckReport[],
  creditOf: (c: CheckReport) => number,
): { overall: number | null; categories: CategoryReport[] } {
  const ids = [...Object.keys(policy.categories)];
  if (checks.some((c) => c.category === DEFAULT_CATEGORY) && !ids.includes(DEFAULT_CATEGORY))
    ids.push(DEFAULT_CATEGORY);
  const categories: CategoryReport[] = [];
  let sum = 0;
  let weights = 0;
  for (const id of ids) {
    const def = policy.categories[id];
    const applicable = checks.filter((c) => c.category === id && c.status !== "skipped");
    const w = applicable.reduce((s, c) => s + c.weight, 0);
    const raw = w > 0 ? (100 * applicable.reduce((s, c) => s + c.weight * creditOf(c), 0)) / w : null;
    const weight = def?.weight ?? 1;
    categories.push({
      id,
      title: def?.title ?? (id === DEFAULT_CATEGORY ? "General" : id),
      weight,
      score: raw === null ? null : round1(raw),
      checks: applicable.length,
    });
    if (raw !== null) {
      sum += weight * raw;
      weights += weight;
    }
  }
  return { overall: weights > 0 ? sum / weights : null, categories };
}

export interface ScoreInput {
  policy: Policy;
  checks: CheckReport[];
  waivers: WaiverView[];
  notes: string[];
  target: TargetSummary;
  now: Date;
}

/** Scores, verdict and what blocks. GO needs score >= minScore, every required check passing or waived, no unknowns. */
export function scoreReport({ policy, checks, waivers, notes, target, now }: ScoreInput): Report {
  const { minScore, mode } = policy.gate;
  const actual = score(policy, checks, (c) => c.credit);
  const overall = actual.overall === null ? 0 : round1(actual.overall);
  const incomplete = checks.some((c) => c.status === "unknown" || c.status === "error");
  const pending = checks.filter((c) => c.status === "pending").map((c) => c.id);
  const requiredFailing = checks.filter((c) => c.required && FAILING.has(c.status)).map((c) => c.id);

  let verdict: Verdict;
  if (actual.overall === null) {
    verdict = "no-go";
    notes.push("No check applies to this target, so nothing shows it is ready.");
  } else if (requiredFailing.length > 0 || incomplete) {
    verdict = "no-go";
  } else if (pending.length > 0) {
    // Pending keeps the gate open only while the pending checks passing could still reach GO.
    const best = score(policy, checks, (c) => (c.status === "pending" ? 1 : c.credit)).overall ?? 0;
    verdict = best >= minScore ? "pending" : "no-go";
  } else {
    // The unrounded score decides: 79.95 shows as 80.0 but does not reach minScore 80.
    verdict = actual.overall >= minScore ? "go" : "no-go";
  }
  if (incomplete) notes.push("Some evidence could not be had; the gate fails closed until it can tell.");

  const blocking =
    verdict === "go"
      ? []
      : checks
          .filter(
            (c) =>
              FAILING.has(c.status) &&
              (c.required || c.status !== "fail" || (actual.overall ?? 0) < minScore),
          )
          .map((c) => c.id);

  return {
    schemaVersion: 1,
    verdict,
    score: overall,
    minScore,
    mode,
    incomplete,
    evaluatedAt: now.toISOString(),
    target,
    categories: actual.categories,
    checks,
    blocking,
    pending,
    waivers,
    notes,
  };
}
