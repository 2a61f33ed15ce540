import type { Policy } from "../policy/schema.js";
import type { CheckReport, WaiverView } from "./types.js";

/** A waiver holds through the end of its expiry day, UTC. */
export function waiverEnd(expires: string): Date {
  return new Date(`${expires}T23:59:59.999Z`);
}

export function isWaiverValid(expires: string, now: Date): boolean {
  return now.getTime() <= waiverEnd(expires).getTime();
}

export function policyWaivers(policy: Policy): WaiverView[] {
  return policy.waivers.map((w) => ({
    check: w.check,
    source: "policy",
    reason: w.reason,
    expires: w.expires,
    ...(w.approvedBy ? { approvedBy: w.approvedBy } : {}),
    state: "applied",
  }));
}

// Only a definite failure can be waived: evidence that could not be had (unknown, error) stays fail-closed,
// so a waiver given during an outage or for a missing permission never turns "could not tell" into GO.
const WAIVABLE_STATUSES = new Set(["fail"]);

/**
 * Applies waivers to check results in place and returns every waiver with its state.
 * Of several valid waivers for one check, the one lasting longest wins; comment waivers come last in input order.
 */
export function applyWaivers(
  checks: CheckReport[],
  waivers: WaiverView[],
  policy: Policy,
  now: Date,
  notes: string[],
): WaiverView[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const out: WaiverView[] = [];
  const chosen = new Map<string, WaiverView>();
  for (const input of waivers) {
    const w: WaiverView = { ...input };
    out.push(w);
    const check = byId.get(w.check);
    if (!check) {
      w.state = "unknown-check";
      continue;
    }
    if (!isWaiverValid(w.expires, now)) {
      w.state = "expired";
      notes.push(`The waiver for ${w.check} expired on ${w.expires} and no longer applies.`);
      check.waiver ??= w;
      continue;
    }
    if (policy.checks[w.check]?.waivable === false) {
      w.state = "refused";
      notes.push(`The waiver for ${w.check} is ignored: the check is not waivable.`);
      check.waiver = w;
      continue;
    }
    const current = chosen.get(w.check);
    if (!current || w.expires >= current.expires) chosen.set(w.check, w);
  }
  for (const [id, w] of chosen) {
    const check = byId.get(id)!;
    for (const other of out)
      if (other.check === id && other !== w && other.state === "applied") other.state = "unused";
    if (WAIVABLE_STATUSES.has(check.status)) {
      w.state = "applied";
      check.status = "waived";
      check.credit = 1;
    } else {
      w.state = "unused";
      if (check.status === "pass") notes.push(`The waiver for ${id} is no longer needed: the check passes.`);
      if (check.status === "unknown" || check.status === "error")
        notes.push(
          `The waiver for ${id} does not cover it: a waiver covers a failure, not evidence that could not be had.`,
        );
    }
    check.waiver = w;
  }
  return out;
}
