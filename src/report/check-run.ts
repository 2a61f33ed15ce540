// What a check run says: a report (or a policy that does not validate, or an evaluation that could not finish)
// turned into conclusion, title, summary and annotations. Pure; the publisher writes what this returns.
import { createHash } from "node:crypto";
import type { Report } from "../engine/types.js";
import { formatPolicyError, type PolicyError } from "../policy/errors.js";
import { type Annotation, policyErrorAnnotations } from "./annotations.js";
import { type Baseline, deltaText, VERDICT_LABEL } from "./common.js";
import { byteLength, escapeMarkdown, renderMarkdown } from "./markdown.js";
import { checksTrailer } from "./trailer.js";

/** GitHub's limit on output.summary and output.text, in bytes. */
export const SUMMARY_MAX_BYTES = 65_535;

export type Conclusion = "success" | "failure" | "neutral";

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: Annotation[];
}

/** A result ready to write. `conclusion: null` keeps the run in_progress (pending). */
export interface RunResult {
  conclusion: Conclusion | null;
  output: CheckRunOutput;
  /** Not a settled result: reconcile evaluates it again. */
  incomplete: boolean;
  /** The result can change with time alone (waivers expire, maxAgeDays). */
  timeSensitive: boolean;
  /** The report's "evaluated at", left out of the fingerprint. */
  evaluatedAt?: string;
  /** The verdict's label for lists ("NO-GO · 45/100"). */
  headline: string;
  /** No verdict of the policy (it does not validate, or the evaluation failed): see RunPublisher.fail. */
  verdictless?: boolean;
}

/** Every applicable check came back unknown or error: nothing was learnt, so say so rather than score it. */
export function couldNotTell(report: Report): boolean {
  const applicable = report.checks.filter((c) => c.status !== "skipped");
  return applicable.length > 0 && applicable.every((c) => c.status === "unknown" || c.status === "error");
}

/** The score a title of titleOf carries; null for a title without one ("Could not evaluate", "Invalid policy"). */
export function scoreFromTitle(title: unknown): number | null {
  if (typeof title !== "string") return null;
  const m = /^(?:GO|NO-GO|Pending)(?: \(warn mode\))? · (\d{1,3}(?:\.\d{1,2})?)\/100(?=[ ,]|$)/.exec(title);
  const score = m ? Number(m[1]) : Number.NaN;
  return score >= 0 && score <= 100 ? score : null;
}

export function titleOf(report: Report, baseline?: Baseline | null): string {
  const level = report.level && !couldNotTell(report) ? ` · level ${report.level}` : "";
  return titleWithoutLevel(report, baseline) + level;
}

function titleWithoutLevel(report: Report, baseline?: Baseline | null): string {
  const score = `${report.score}/100${baseline ? `, ${deltaText(report.score, baseline)}` : ""}`;
  if (couldNotTell(report)) return "Could not evaluate: no evidence could be read";
  if (report.verdict === "go") return `GO · ${score}`;
  if (report.verdict === "pending") {
    const waiting = report.pending.slice(0, 3).join(", ");
    return `Pending · ${score} · waiting for ${waiting}${report.pending.length > 3 ? ", …" : ""}`;
  }
  const warn = report.mode === "warn" ? " (warn mode)" : "";
  // A NO-GO that rests on evidence GitHub did not give must not read like a settled one.
  const incomplete = report.incomplete ? " · some evidence could not be read" : "";
  // A monorepo's projects are scored apart: say which of them stands in the way of a GO the root would give.
  const held = (report.projects ?? []).filter((p) => p.verdict !== "go").map((p) => p.path);
  const projects = held.length
    ? ` · not ready: ${held.slice(0, 3).join(", ")}${held.length > 3 ? ", …" : ""}`
    : "";
  return `NO-GO${warn} · ${score} (needs ${report.minScore})${projects}${incomplete}`;
}

/** null: keep the run in_progress (pending). GitHub unreachable is never success. */
export function conclusionOf(report: Report): Conclusion | null {
  if (couldNotTell(report)) return "failure";
  if (report.verdict === "go") return "success";
  if (report.verdict === "pending") return null;
  return report.mode === "warn" ? "neutral" : "failure";
}

export function describeErrors(errors: readonly PolicyError[], max = 50): string {
  const lines = errors.slice(0, max).map((e) => `- \`${formatPolicyError(e).replace(/`/g, "'")}\``);
  if (errors.length > max) lines.push(`- … and ${errors.length - max} more`);
  return lines.join("\n");
}

export interface ReportOutputOptions {
  /** The check run's name, shown as the summary's headline. */
  checkName: string;
  /** The policy file as the pull request changes it does not validate: shown first, and blocks. */
  headPolicy?: { path: string; errors: PolicyError[] } | null;
  timeSensitive: boolean;
  /** Bytes of the summary kept free for a preamble (several pull requests on one commit). */
  reserveBytes?: number;
  /** The base branch's score, for "+5.4 vs main". */
  baseline?: Baseline | null;
}

export function reportResult(report: Report, o: ReportOutputOptions): RunResult {
  let conclusion = conclusionOf(report);
  let title = titleOf(report, o.baseline);
  let prefix = "";
  let annotations: Annotation[] = [];
  if (o.headPolicy) {
    prefix = `### The policy changed in this pull request does not validate\n\n${describeErrors(o.headPolicy.errors)}\n\nIt would become the gate once merged; fix it first. This result uses the base branch's policy.\n\n---\n\n`;
    annotations = policyErrorAnnotations(o.headPolicy.errors, o.headPolicy.path);
    if (conclusion !== null && report.mode === "block") conclusion = "failure";
    title = `${title} · policy in this PR is invalid`;
  }
  const trailer = checksTrailer(report);
  const maxBytes = SUMMARY_MAX_BYTES - byteLength(prefix) - byteLength(trailer) - (o.reserveBytes ?? 0);
  const summary =
    prefix +
    renderMarkdown(report, {
      maxBytes,
      title: o.checkName,
      ...(o.baseline ? { baseline: o.baseline } : {}),
    }) +
    trailer;
  const score = `${report.score}/100`;
  return {
    conclusion,
    output: { title, summary, annotations },
    incomplete: report.incomplete,
    timeSensitive: o.timeSensitive,
    evaluatedAt: report.evaluatedAt,
    headline: couldNotTell(report) ? "could not evaluate" : `${VERDICT_LABEL[report.verdict]} · ${score}`,
  };
}

export interface InvalidPolicy {
  errors: PolicyError[];
  /** `\`.readiness.yml\`` or `\`.readiness.yml\` in \`acme/.github\``. */
  place: string;
  /** "the `main` branch", "the default branch". */
  where: string;
  /**
   * The policy file's path when it is in this repository: its errors are listed and annotated on its lines.
   * A policy from another repository (the organisation's) is only counted: its text is not this run's to show.
   */
  annotatePath?: string;
}

export function invalidPolicyResult(p: InvalidPolicy): RunResult {
  const path = p.annotatePath;
  const count = `${p.errors.length} problem${p.errors.length === 1 ? "" : "s"}`;
  return {
    conclusion: "failure",
    output: {
      title: `Invalid policy: ${count}${path ? ` in ${path}` : ""}`,
      summary: `The readiness policy ${p.place} on ${p.where} does not validate, so this commit cannot be evaluated and the gate fails closed.\n\n${path ? describeErrors(p.errors) : `${count}; run \`readiness validate\` in the repository that holds it to see them.`}\n`,
      annotations: path ? policyErrorAnnotations(p.errors, path) : [],
    },
    incomplete: false,
    timeSensitive: false,
    headline: "invalid policy",
    verdictless: true,
  };
}

export function couldNotEvaluateResult(reason: string): RunResult {
  return {
    conclusion: "failure",
    output: {
      title: "Could not evaluate",
      summary: `Readiness Gate could not evaluate this commit: ${reason}.\n\nThe gate fails closed. Press **Re-evaluate** once GitHub answers again; the reconcile job also retries runs left unfinished.`,
    },
    // Marked incomplete, so reconcile evaluates it again rather than taking it for a result.
    incomplete: true,
    timeSensitive: false,
    headline: "could not evaluate",
    verdictless: true,
  };
}

export function notGatedResult(pr: number): RunResult {
  return {
    conclusion: "neutral",
    output: {
      title: "Not gated",
      summary: `Pull request #${pr} no longer matches \`applies.pullRequests\` of the base branch's policy (base branch, labels or head branch), and no other open pull request gated by Readiness Gate has this commit as its head, so the gate does not apply to it.`,
    },
    incomplete: false,
    timeSensitive: false,
    headline: "not gated",
  };
}

/** failure, then pending, then neutral (warn), then success: the order in which a verdict restricts. */
const RESTRICTION: Record<string, number> = { failure: 3, pending: 2, neutral: 1, success: 0 };
export const restriction = (r: RunResult): number => RESTRICTION[r.conclusion ?? "pending"]!;

export interface Claim {
  pr: number;
  baseRef: string;
  /** The merge queue's commit for this pull request, not the pull request's own head. */
  queue?: boolean;
  result: RunResult;
}

/** Bytes kept free in each pull request's summary for the preamble of a shared commit. */
export const SHARED_PREAMBLE_BYTES = 4096;

/**
 * Several open pull requests gated by Readiness Gate have the same head commit, and GitHub shows one run of a
 * name per commit: the run says the most restrictive of their verdicts, so no pull request's verdict can be
 * loosened by another's. `claims[0]` is the pull request the evaluation was for; it wins ties.
 */
export function combineClaims(claims: readonly Claim[]): { claim: Claim; result: RunResult } {
  let chosen = claims[0]!;
  for (const c of claims) if (restriction(c.result) > restriction(chosen.result)) chosen = c;
  if (claims.length === 1) return { claim: chosen, result: chosen.result };
  const rows = claims
    .slice(0, 20)
    .map(
      (c) =>
        `| #${c.pr} | \`${escapeMarkdown(c.baseRef).replace(/`/g, "'").slice(0, 100)}\`${c.queue ? " (merge queue)" : ""} | ${c.result.headline} |`,
    );
  if (claims.length > 20) rows.push(`| … | ${claims.length - 20} more | |`);
  const preamble = [
    `> **This commit is the head of ${claims.length} gated pull requests.** GitHub shows one run of this name per commit, so it carries the most restrictive of their verdicts: that of #${chosen.pr} (below). Each pull request's own comment shows its own verdict.`,
    "",
    "| Pull request | Into | Verdict |",
    "|---|---|---|",
    ...rows,
    "",
    "---",
    "",
  ].join("\n");
  const result: RunResult = {
    ...chosen.result,
    output: { ...chosen.result.output, summary: preamble + chosen.result.output.summary },
    incomplete: claims.some((c) => c.result.incomplete),
    timeSensitive: claims.some((c) => c.result.timeSensitive),
  };
  return { claim: chosen, result };
}

/**
 * What a written result is, without the moment it was computed: conclusion, title, summary (its
 * "evaluated <time>" removed) and annotations. Equal fingerprints: the run already says this.
 */
export function fingerprintOf(
  conclusion: Conclusion | null,
  output: CheckRunOutput,
  evaluatedAt?: string,
): string {
  const summary = evaluatedAt ? output.summary.split(evaluatedAt).join("") : output.summary;
  return createHash("sha256")
    .update(JSON.stringify([conclusion, output.title, summary, output.text ?? "", output.annotations ?? []]))
    .digest("hex")
    .slice(0, 16);
}
