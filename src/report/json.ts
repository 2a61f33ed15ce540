// The report's JSON form: a public contract, documented in docs/report-format.md.
// Fields are copied one by one so an internal addition to Report never leaks into the contract unannounced.
// Every key is always present; a value that does not exist is null (or an empty array), never a missing key.
import type { CheckStatus } from "../checks/types.js";
import type { CheckReport, ProjectSummary, Report, Verdict, WaiverView } from "../engine/types.js";
import type { ContextKind } from "../evidence/types.js";

export interface JsonWaiver {
  check: string;
  source: "policy" | "comment";
  reason: string;
  expires: string;
  approvedBy: string | null;
  url: string | null;
  state: WaiverView["state"];
}

export interface JsonEvidence {
  label: string;
  url: string | null;
}

export interface JsonCheck {
  id: string;
  title: string;
  category: string;
  kind: string;
  required: boolean;
  weight: number;
  status: CheckStatus;
  credit: number;
  summary: string;
  details: string[];
  evidence: JsonEvidence[];
  fix: string | null;
  waiver: JsonWaiver | null;
  waivable: boolean;
  cost: number;
}

export interface JsonLevel {
  id: string;
  minScore: number;
  require: string[];
  reached: boolean;
  missing: string[];
}

export interface JsonCategory {
  id: string;
  title: string;
  weight: number;
  score: number | null;
  checks: number;
}

export interface JsonTarget {
  context: ContextKind;
  repository: string | null;
  sha: string | null;
  ref: string | null;
  pullRequest: number | null;
  release: string | null;
  environment: string | null;
}

export interface JsonReport {
  schemaVersion: 1;
  verdict: Verdict;
  score: number;
  minScore: number;
  mode: "block" | "warn";
  level: string | null;
  incomplete: boolean;
  conclusive: boolean;
  evaluatedAt: string;
  target: JsonTarget;
  categories: JsonCategory[];
  levels: JsonLevel[];
  checks: JsonCheck[];
  blocking: string[];
  pending: string[];
  waivers: JsonWaiver[];
  notes: string[];
  /** Present only when the policy declares `projects` (a monorepo): each project judged, see Report. */
  projects?: ProjectSummary[];
}

function waiver(w: WaiverView): JsonWaiver {
  return {
    check: w.check,
    source: w.source,
    reason: w.reason,
    expires: w.expires,
    approvedBy: w.approvedBy ?? null,
    url: w.url ?? null,
    state: w.state,
  };
}

function check(c: CheckReport): JsonCheck {
  return {
    id: c.id,
    title: c.title,
    category: c.category,
    kind: c.kind,
    required: c.required,
    weight: c.weight,
    status: c.status,
    credit: c.credit,
    summary: c.summary,
    details: [...(c.details ?? [])],
    evidence: (c.evidence ?? []).map((e) => ({ label: e.label, url: e.url ?? null })),
    fix: c.fix ?? null,
    waiver: c.waiver ? waiver(c.waiver) : null,
    waivable: c.waivable,
    cost: c.cost,
  };
}

export function toJsonReport(report: Report): JsonReport {
  const t = report.target;
  return {
    schemaVersion: 1,
    verdict: report.verdict,
    score: report.score,
    minScore: report.minScore,
    mode: report.mode,
    level: report.level,
    incomplete: report.incomplete,
    conclusive: report.conclusive,
    evaluatedAt: report.evaluatedAt,
    target: {
      context: t.context,
      repository: t.repository ?? null,
      sha: t.sha ?? null,
      ref: t.ref ?? null,
      pullRequest: t.pullRequest ?? null,
      release: t.release ?? null,
      environment: t.environment ?? null,
    },
    categories: report.categories.map((c) => ({
      id: c.id,
      title: c.title,
      weight: c.weight,
      score: c.score,
      checks: c.checks,
    })),
    levels: report.levels.map((l) => ({
      id: l.id,
      minScore: l.minScore,
      require: [...l.require],
      reached: l.reached,
      missing: [...l.missing],
    })),
    checks: report.checks.map(check),
    blocking: [...report.blocking],
    pending: [...report.pending],
    waivers: report.waivers.map(waiver),
    notes: [...report.notes],
    ...(report.projects ? { projects: report.projects.map((p) => ({ ...p })) } : {}),
  };
}

/** Two-space indented JSON with a trailing newline. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}
