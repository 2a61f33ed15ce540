// Where an annotation about a check goes: the files its failure names, else its definition in the policy.
import type { FileLocation } from "../checks/types.js";
import type { CheckReport, Report } from "../engine/types.js";
import type { PolicyPositions } from "../policy/positions.js";
import { NOT_PASSING } from "./common.js";

export interface LocationOptions {
  /** The policy file and its lines; without it, checks that name no file get no location. */
  policy?: PolicyPositions;
}

/** The files a failure names; otherwise `checks.<id>:` in the policy, or its `extends:` for a preset's check. */
export function locationsOf(check: CheckReport, opts: LocationOptions): FileLocation[] {
  if (check.locations?.length) return check.locations;
  const p = opts.policy;
  if (!p) return [];
  const line = p.line(check.id) ?? p.extendsLine;
  return [line === undefined ? { path: p.path } : { path: p.path, line }];
}

/** The checks a reader must act on, those that block GO first, each in policy order. */
export function actionable(report: Report): CheckReport[] {
  const open = report.checks.filter((c) => NOT_PASSING.has(c.status));
  const blocking = new Set(report.blocking);
  return [...open.filter((c) => blocking.has(c.id)), ...open.filter((c) => !blocking.has(c.id))];
}

/** error: stands between this commit and GO (in block mode); warning: costs score or waits; note: pending. */
export function levelOf(check: CheckReport, report: Report): "error" | "warning" | "note" {
  if (check.status === "pending") return "note";
  return report.mode === "block" && report.blocking.includes(check.id) ? "error" : "warning";
}
