import { DEFAULT_CATEGORY, type Policy } from "../policy/schema.js";
import type { CategoryReport, CheckReport, Report, TargetSummary, Verdict, WaiverView } from "./types.js";

const round1 = (x: number): number => Math.round(x * 10) / 10;
const FAILING = new Set(["fail", "unknown", "error"]);

/** Weighted mean of category scores; `creditOf` lets the verdict ask "what if every pending check passed". */
function score(
  policy: Policy,
  checks: CheckReport[],
  creditOf: (c: CheckReport) => number,
): { overall: number | null; categories: CategoryReport[]; gatesOnly: boolean } {
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
  // Only gate items (weight 0) apply: nothing is weighed, so nothing is missing from the score either; the
  // verdict rests on them passing (they are required).
  const gatesOnly = weights === 0 && checks.some((c) => c.status !== "skipped" && c.weight === 0);
  return { overall: weights > 0 ? sum / weights : gatesOnly ? 100 : null, categories, gatesOnly };
}

export interface ScoreInput {
  policy: Policy;
  checks: CheckReport[];
  waivers: WaiverView[];
  notes: string[];
  target: TargetSummary;
  now: Date;
}

const OPEN = new Set(["unknown", "error"]);

/** The verdict of these outcomes, and whether no check applies at all. */
function decide(policy: Policy, checks: CheckReport[]): { verdict: Verdict; none: boolean } {
  const { minScore } = policy.gate;
  const actual = score(policy, checks, (c) => c.credit).overall;
  if (actual === null) return { verdict: "no-go", none: true };
  const incomplete = checks.some((c) => OPEN.has(c.status));
  const requiredFailing = checks.some((c) => c.required && FAILING.has(c.status));
  if (requiredFailing || incomplete) return { verdict: "no-go", none: false };
  if (checks.some((c) => c.status === "pending")) {
    // Pending keeps the gate open only while the pending checks passing could still reach GO.
    const best = score(policy, checks, (c) => (c.status === "pending" ? 1 : c.credit)).overall ?? 0;
    return { verdict: best >= minScore ? "pending" : "no-go", none: false };
  }
  // The unrounded score decides: 79.95 shows as 80.0 but does not reach minScore 80.
  return { verdict: actual >= minScore ? "go" : "no-go", none: false };
}

/**
 * Could the checks that are `unknown` or `error` change the verdict once their evidence is had? The verdict
 * only improves as a check's outcome does, so it is enough to let each of them pass: if that is still NO-GO
 * (a required check failed definitely, or the score cannot reach minScore), no answer they could give helps,
 * and the NO-GO is conclusive although the report is incomplete. The CLI exits 1 then, 3 only when this is true.
 */
export function unknownsCouldChangeVerdict(policy: Policy, checks: CheckReport[]): boolean {
  if (!checks.some((c) => OPEN.has(c.status))) return false;
  const best = checks.map((c) => (OPEN.has(c.status) ? { ...c, status: "pass" as const, credit: 1 } : c));
  return decide(policy, best).verdict !== "no-go";
}

/** Scores, verdict and what blocks. GO needs score >= minScore, every required check passing or waived, no unknowns. */
export function scoreReport({ policy, checks, waivers, notes, target, now }: ScoreInput): Report {
  const { minScore, mode } = policy.gate;
  const actual = score(policy, checks, (c) => c.credit);
  const overall = actual.overall === null ? 0 : round1(actual.overall);
  const incomplete = checks.some((c) => OPEN.has(c.status));
  const pending = checks.filter((c) => c.status === "pending").map((c) => c.id);
  const { verdict, none } = decide(policy, checks);
  const conclusive = !unknownsCouldChangeVerdict(policy, checks);
  if (none) notes.push("No check applies to this target, so nothing shows it is ready.");
  if (actual.gatesOnly)
    notes.push(
      "Only gate items (required, weight 0) apply to this target: there is nothing to score, so the verdict rests on them.",
    );
  if (incomplete)
    notes.push(
      conclusive
        ? "Some evidence could not be had, but it cannot change the verdict: NO-GO whatever it would show."
        : "Some evidence could not be had; the gate fails closed until it can tell.",
    );

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
    conclusive,
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
