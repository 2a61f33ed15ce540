import { DEFAULT_CATEGORY, type Policy } from "../policy/schema.js";
import type {
  CategoryReport,
  CheckReport,
  LevelReport,
  Report,
  TargetSummary,
  Verdict,
  WaiverView,
} from "./types.js";

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

  const blocking = verdict === "go" ? [] : blockingChecks(policy, checks);
  const withCost = costs(policy, checks, actual.overall ?? 0);
  const levels = levelsOf(policy, withCost, actual.overall ?? 0);

  return {
    schemaVersion: 1,
    verdict,
    score: overall,
    minScore,
    mode,
    level: levels.filter((l) => l.reached).at(-1)?.id ?? null,
    levels,
    incomplete,
    conclusive,
    evaluatedAt: now.toISOString(),
    target,
    categories: actual.categories,
    checks: withCost,
    blocking,
    pending,
    waivers,
    notes,
    waiveDays: Math.min(WAIVE_DAYS, policy.commands.waive.maxDays),
  };
}

/** The duration a suggested `/readiness waive` line asks for, unless the policy allows less. */
const WAIVE_DAYS = 14;

/** Each check's cost: what the score would gain were it alone to pass. */
function costs(policy: Policy, checks: CheckReport[], actual: number): CheckReport[] {
  return checks.map((c) => {
    if (c.credit >= 1 || c.status === "skipped" || c.weight === 0) return { ...c, cost: 0 };
    const fixed = score(policy, checks, (x) => (x === c ? 1 : x.credit)).overall ?? 0;
    return { ...c, cost: Math.max(0, round1(fixed - actual)) };
  });
}

/**
 * What stands between these outcomes and GO, in policy order:
 * - every required check that is fail, unknown or error, and every unknown or error check (fail closed);
 * - while the score, once those are fixed and pending checks pass, is still under minScore: each failing
 *   check whose fix alone would reach minScore; when no single fix would, the fewest failing checks whose
 *   fixes together would, costliest first. Other failures cost points but do not decide the verdict.
 */
export function blockingChecks(policy: Policy, checks: CheckReport[]): string[] {
  const { minScore } = policy.gate;
  const must = new Set(checks.filter((c) => FAILING.has(c.status) && (c.required || OPEN.has(c.status))));
  const optional = checks.filter((c) => c.status === "fail" && !must.has(c));
  const fixed = new Set<CheckReport>();
  const creditOf = (c: CheckReport) => (must.has(c) || fixed.has(c) || c.status === "pending" ? 1 : c.credit);
  const at = () => score(policy, checks, creditOf).overall ?? 0;
  const chosen = new Set<CheckReport>();
  if (at() < minScore) {
    const gain = new Map<CheckReport, number>();
    for (const c of optional) {
      fixed.add(c);
      gain.set(c, at());
      fixed.delete(c);
    }
    const alone = optional.filter((c) => gain.get(c)! >= minScore);
    if (alone.length > 0) for (const c of alone) chosen.add(c);
    else {
      const costliest = [...optional].sort((a, b) => gain.get(b)! - gain.get(a)!);
      for (const c of costliest) {
        fixed.add(c);
        chosen.add(c);
        if (at() >= minScore) break;
      }
    }
  }
  return checks.filter((c) => must.has(c) || chosen.has(c)).map((c) => c.id);
}

/** Levels lowest first; each is reached when its own bar is met and every lower level is reached. */
function levelsOf(policy: Policy, checks: CheckReport[], actual: number): LevelReport[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const defs = Object.entries(policy.levels ?? {})
    .map(([id, l]) => (typeof l === "number" ? { id, minScore: l, require: [] } : { id, ...l }))
    .sort((a, b) => a.minScore - b.minScore);
  let below = true;
  return defs.map((l) => {
    const missing = l.require.filter((id) => {
      const s = byId.get(id)?.status;
      return s !== "pass" && s !== "waived";
    });
    const reached = below && actual >= l.minScore && missing.length === 0;
    below = reached;
    return { id: l.id, minScore: l.minScore, require: [...l.require], reached, missing };
  });
}
