// Helpers shared by the renderers: ordering, bars, number formatting, status vocabulary.
import type { CheckStatus } from "../checks/types.js";
import type { CategoryReport, CheckReport, Report, Verdict } from "../engine/types.js";

export const VERDICT_LABEL: Record<Verdict, string> = { go: "GO", "no-go": "NO-GO", pending: "PENDING" };

/** Statuses that take credit away; the ones a reader must act on. */
export const NOT_PASSING: ReadonlySet<CheckStatus> = new Set(["fail", "unknown", "error", "pending"]);

/** 87.5 → "87.5", 80 → "80". */
/** A required check of weight 0: it must pass for GO but does not count in the score. */
export const isGateItem = (c: CheckReport): boolean => c.required && c.weight === 0;

export function fmtNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 10) / 10);
}

/** Always one decimal, so a column of scores lines up. */
export function fmtScore(n: number | null): string {
  return n === null ? "n/a" : n.toFixed(1);
}

/** A bar of `width` cells; a cell fills only once its whole tenth is earned, so a full bar means 100. */
export function bar(score: number | null, width = 10, full = "█", empty = "░"): string {
  if (score === null) return empty.repeat(width);
  const filled = Math.max(0, Math.min(width, Math.floor((score / 100) * width + 1e-9)));
  return full.repeat(filled) + empty.repeat(width - filled);
}

export interface CategoryGroup {
  /** The report's category entry; null for a category the report does not list (should not happen). */
  category: CategoryReport | null;
  id: string;
  title: string;
  checks: CheckReport[];
}

/** Checks grouped by category: categories in report order, checks in policy order inside each. */
export function groupByCategory(report: Report): CategoryGroup[] {
  const groups = new Map<string, CategoryGroup>();
  for (const c of report.categories) groups.set(c.id, { category: c, id: c.id, title: c.title, checks: [] });
  for (const check of report.checks) {
    let g = groups.get(check.category);
    if (!g) {
      g = { category: null, id: check.category, title: check.category, checks: [] };
      groups.set(check.category, g);
    }
    g.checks.push(check);
  }
  return [...groups.values()];
}

/** How the score moved against the base branch's last verdict. */
export interface Baseline {
  /** The base branch's score, from this App's own run on its head. */
  score: number;
  /** The base branch, as named in the line ("main"). */
  ref: string;
}

/** "+5.4 vs main", "-2.0 vs main", "no change vs main". */
export function deltaText(score: number, baseline: Baseline): string {
  const d = Math.round((score - baseline.score) * 10) / 10;
  const moved = d === 0 ? "no change" : `${d > 0 ? "+" : "-"}${Math.abs(d).toFixed(1)}`;
  return `${moved} vs ${oneLine(baseline.ref)}`;
}

/** "NO-GO · 45.0/100 (needs 80)"; "GO · 86.9/100, +5.4 vs main (needs 80)" with a baseline. */
export function verdictScore(report: Report, baseline?: Baseline | null): string {
  const delta = baseline ? `, ${deltaText(report.score, baseline)}` : "";
  return `${VERDICT_LABEL[report.verdict]} · ${fmtScore(report.score)}/100${delta} (needs ${fmtNumber(report.minScore)})`;
}

/** The blocking checks, costliest first (required ones first among equals, then in policy order). */
export function rankedBlocking(report: Report): CheckReport[] {
  const blocking = new Set(report.blocking);
  return report.checks
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => blocking.has(c.id))
    .sort((a, b) => b.c.cost - a.c.cost || Number(b.c.required) - Number(a.c.required) || a.i - b.i)
    .map(({ c }) => c);
}

/** "level silver", "no level (bronze needs 60)"; null when the policy names no levels. */
export function levelText(report: Report): string | null {
  if (report.levels.length === 0) return null;
  const next = report.levels.find((l) => !l.reached);
  const why = (l: Report["levels"][number]) => {
    const parts: string[] = [];
    if (report.score < l.minScore) parts.push(fmtNumber(l.minScore));
    if (l.missing.length) parts.push(l.missing.map(oneLine).join(", "));
    return parts.length
      ? `${oneLine(l.id)} needs ${parts.join(" and ")}`
      : `${oneLine(l.id)} needs the levels below it`;
  };
  const reached = report.level ? `level ${oneLine(report.level)}` : "no level";
  return next ? `${reached} (${why(next)})` : reached;
}

/** A suggested waiver command for a failing check a waiver could cover; null otherwise. */
export function waiveLine(report: Report, check: CheckReport): string | null {
  if (check.status !== "fail" || !check.waivable) return null;
  if (report.target.context === "release" || report.target.context === "deployment") return null;
  // A monorepo project's check (`services/api:runbook`) is waived in its policy file: no command names it.
  if (check.id.includes(":")) return null;
  return `/readiness waive ${check.id} for ${report.waiveDays}d <reason>`;
}

/** Counts shown next to the verdict: "2 blocking", "1 pending", "incomplete", ... */
export function headlineParts(report: Report): string[] {
  const parts: string[] = [];
  if (report.blocking.length > 0) parts.push(`${report.blocking.length} blocking`);
  if (report.pending.length > 0) parts.push(`${report.pending.length} pending`);
  const waived = report.checks.filter((c) => c.status === "waived").length;
  if (waived > 0) parts.push(`${waived} waived`);
  if (report.incomplete) parts.push("incomplete");
  if (report.mode === "warn") parts.push("warn mode");
  // A local GO says nothing of required checks the policy leaves to GitHub: say so beside the verdict.
  if (report.target.context === "local") {
    const left = report.checks.filter((c) => c.required && c.status === "skipped").length;
    if (left > 0) parts.push(`${left} required ${left === 1 ? "check" : "checks"} left to GitHub`);
  }
  return parts;
}

/** "pull request #12 · acme/api · main · 1a2b3c4" */
export function targetLine(report: Report): string {
  const t = report.target;
  const parts: string[] = [];
  const context: Record<string, string> = {
    pull_request: "pull request",
    release: "release",
    deployment: "deployment",
    local: "local checkout",
  };
  let what = context[t.context] ?? t.context;
  if (t.pullRequest !== undefined) what += ` #${t.pullRequest}`;
  if (t.release !== undefined) what += ` ${t.release}`;
  if (t.environment !== undefined) what += ` to ${t.environment}`;
  parts.push(what);
  if (t.repository) parts.push(t.repository);
  if (t.ref) parts.push(t.ref);
  if (t.sha) parts.push(t.sha.slice(0, 7));
  return parts.join(" · ");
}

/** Control characters (newlines, ANSI escapes, bidi-unsafe separators) collapsed to one space. */
export function oneLine(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .replace(/ {2,}/g, " ")
    .trim();
}

/** Cut to at most `max` code points, ending with an ellipsis when cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const points = Array.from(s);
  if (points.length <= max) return s;
  return `${points
    .slice(0, Math.max(0, max - 1))
    .join("")
    .trimEnd()}…`;
}
