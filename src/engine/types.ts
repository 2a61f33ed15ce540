// The report: what one evaluation concluded. Its JSON form is a public contract (docs/report-format.md).
import type { CheckStatus, EvidenceLink, FileLocation } from "../checks/types.js";
import type { ContextKind } from "../evidence/types.js";

export type Verdict = "go" | "no-go" | "pending";

/** A waiver as the engine saw it. `applied`: it covers a non-passing check now. */
export interface WaiverView {
  check: string;
  source: "policy" | "comment";
  reason: string;
  /** Last valid day, YYYY-MM-DD; the waiver holds until 23:59:59.999 UTC that day. */
  expires: string;
  approvedBy?: string;
  url?: string;
  /**
   * applied: covers the check now; expired: past its expiry; unused: the check passes without it;
   * refused: the check is `waivable: false`; unknown-check: no such check in the policy.
   */
  state: "applied" | "expired" | "unused" | "refused" | "unknown-check";
}

export interface CheckReport {
  id: string;
  title: string;
  category: string;
  kind: string;
  required: boolean;
  weight: number;
  status: CheckStatus;
  /** 0..1, after waivers. */
  credit: number;
  summary: string;
  details?: string[];
  evidence?: EvidenceLink[];
  fix?: string;
  /** Files (and lines) a failure points at; not part of the JSON contract. */
  locations?: FileLocation[];
  /** The waiver that applies or was considered for this check. */
  waiver: WaiverView | null;
  /** The policy lets a waiver cover it (`waivable`, default true). */
  waivable: boolean;
  /** Points the overall score would gain were this check alone to pass (0..100, one decimal; 0 when passing). */
  cost: number;
}

/** A named level of the policy (`levels:`), as this evaluation met it. */
export interface LevelReport {
  id: string;
  minScore: number;
  /** Checks that must pass (or be waived) for the level. */
  require: string[];
  /** The score reaches minScore, every required check passes, and every lower level is reached. */
  reached: boolean;
  /** Of `require`, the checks that do not pass or stand waived. */
  missing: string[];
}

export interface CategoryReport {
  id: string;
  title: string;
  weight: number;
  /** 0..100, one decimal; null when no check of the category applies. */
  score: number | null;
  /** Applicable (not skipped) checks in the category. */
  checks: number;
}

export interface TargetSummary {
  context: ContextKind;
  repository?: string;
  sha?: string;
  ref?: string;
  pullRequest?: number;
  release?: string;
  environment?: string;
}

export interface Report {
  schemaVersion: 1;
  verdict: Verdict;
  /** 0..100, one decimal. */
  score: number;
  minScore: number;
  mode: "block" | "warn";
  /** The highest level reached (`levels:` in the policy); null when none is, or the policy names none. */
  level: string | null;
  /** Every level of the policy, lowest minScore first. */
  levels: LevelReport[];
  /** Some check is unknown or error: the gate could not tell, so it fails closed. */
  incomplete: boolean;
  /**
   * The verdict stands whatever the `unknown` and `error` checks turn out to be (always true when nothing is
   * unknown): false only when evidence still to be had could change it. See unknownsCouldChangeVerdict.
   */
  conclusive: boolean;
  evaluatedAt: string;
  target: TargetSummary;
  categories: CategoryReport[];
  checks: CheckReport[];
  /**
   * Ids of checks that stand between this commit and GO: required checks not passing, checks whose evidence
   * could not be had, and, while the score is under minScore, the failing checks whose fix alone would reach
   * it (or, when none would, the fewest whose fixes together would, costliest first). See blockingChecks.
   */
  blocking: string[];
  /** Ids of checks still waiting for evidence (a workflow running). */
  pending: string[];
  waivers: WaiverView[];
  /** Things a person should know that are not check results (expired waivers, no applicable checks...). */
  notes: string[];
  /** Longest waiver a `/readiness waive ... for Nd` line may ask for (the policy's maxDays, at most 14). */
  waiveDays: number;
  /**
   * Monorepo (the policy declares `projects`): each project judged beside the root policy, whose checks are
   * in `checks` with ids `<project>:<check>`. Absent when the policy declares no projects.
   */
  projects?: ProjectSummary[];
}

export interface ProjectSummary {
  /** The project directory, e.g. services/api. */
  path: string;
  /** Its policy file, relative to the repository root. */
  policy: string;
  verdict: Verdict;
  /** null when the project could not be judged (its policy missing or invalid): then NO-GO. */
  score: number | null;
  minScore: number | null;
  incomplete: boolean;
}
