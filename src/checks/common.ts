import { RE2JS } from "re2js";
import { z } from "zod";
import { CLOCK_SKEW_MS, type Fact, type Target, type WorkflowRef } from "../evidence/types.js";
import type { EvidenceLink, KindResult } from "./types.js";

/** A function, like the kinds' schemas that use it (see defineKind): nothing is built when the module loads. */
export const globList = () => z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export const toList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/**
 * `org/team-slug` as GitHub spells them: the slug becomes a URL path segment, so `octo/..` (which would ask
 * for GET /orgs/octo/members, the organisation's concealed members) or `a/b/c` must never get through.
 */
export const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const teamName = z
  .string()
  .regex(TEAM_NAME, "teams are written org/team-slug (letters, digits, - and _)");

/** `ci.yml` or `.github/workflows/ci.yml` is a file; anything else is a workflow name. */
export function workflowRef(value: string): WorkflowRef {
  return /\.ya?ml$/i.test(value) ? { file: value } : { name: value };
}

// ---------------------------------------------------------------- patterns

export type CompiledPattern = { ok: true; re: RE2JS } | { ok: false; message: string };

/**
 * A user's regular expression, compiled with RE2 so matching is linear in the input: a pattern from a
 * policy file must never be able to hang the gate. `^`/`$` match at line boundaries because the input is
 * a whole file. Exported so the policy loader reports the same error the check would.
 */
export function compilePattern(pattern: string): CompiledPattern {
  // A check asks for its pattern in needs() (twice) and in evaluate(), and the App evaluates the same policy
  // again and again: each pattern compiles once. Bounded in entries and in the length of what is kept, so
  // patterns from many policies cannot fill the server's memory.
  const hit = patterns.get(pattern);
  if (hit) return hit;
  let result: CompiledPattern;
  try {
    result = { ok: true, re: RE2JS.compile(pattern, RE2JS.MULTILINE) };
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^error parsing regexp: /, "") : String(e);
    result = { ok: false, message: `invalid regular expression /${pattern}/: ${message}` };
  }
  if (pattern.length > MAX_CACHED_PATTERN) return result;
  if (patterns.size >= PATTERN_CACHE_SIZE) patterns.delete(patterns.keys().next().value as string);
  patterns.set(pattern, result);
  return result;
}

const PATTERN_CACHE_SIZE = 256;
const MAX_CACHED_PATTERN = 512;
const patterns = new Map<string, CompiledPattern>();

/** Glob matcher that sees dot-files, like FileIndex.match, linear in time (RE2); see src/evidence/glob.ts. */
export { globMatcher } from "../evidence/glob.js";

// ---------------------------------------------------------------- wording

export const DAY_MS = 86_400_000;

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "a", "a and b", "a, b and c" */
export function joinAnd(items: readonly string[], conjunction = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

export const shortSha = (sha: string | undefined): string => (sha ? sha.slice(0, 7) : "this commit");

export { CLOCK_SKEW_MS };

/** The date lies in the future beyond the clock-skew allowance. */
export const inFuture = (then: Date, now: Date): boolean => then.getTime() - now.getTime() > CLOCK_SKEW_MS;

/** Milliseconds from `then` to `now`; a timestamp from a skewed clock in the future counts as now. */
export function ageMs(then: Date | string, now: Date): number {
  const t = typeof then === "string" ? Date.parse(then) : then.getTime();
  return Math.max(0, now.getTime() - t);
}

/** Whole days, so a person reads "45 days ago"; just past a limit reads "more than 30 days ago", not "30". */
export function describeAge(ms: number, limitDays?: number): string {
  if (!Number.isFinite(ms)) return "at an unknown time";
  const days = Math.floor(ms / DAY_MS);
  if (limitDays !== undefined && ms > limitDays * DAY_MS && days <= limitDays) {
    return `more than ${plural(limitDays, "day")} ago`;
  }
  if (days === 0) return "today";
  if (days === 1) return "yesterday";
  return `${days} days ago`;
}

export const withinDays = (ms: number, days: number): boolean => ms <= days * DAY_MS;

/** Link to a file of the evaluated commit on GitHub, when the target says where that is. */
export function fileUrl(target: Target, path: string): string | undefined {
  const base = target.repository?.htmlUrl;
  if (!base) return undefined;
  return `${base}/blob/${target.sha ?? target.ref ?? "HEAD"}/${path.split("/").map(encodeURIComponent).join("/")}`;
}

export const link = (label: string, url?: string): EvidenceLink => (url ? { label, url } : { label });

// ---------------------------------------------------------------- results

type Extras = Pick<KindResult, "details" | "evidence" | "fix" | "locations">;

function extras(x: Extras): Extras {
  const out: Extras = {};
  if (x.details?.length) out.details = x.details;
  if (x.evidence?.length) out.evidence = x.evidence;
  if (x.fix) out.fix = x.fix;
  if (x.locations?.length) out.locations = x.locations.slice(0, 10);
  return out;
}

export const passed = (summary: string, x: Extras = {}): KindResult => ({
  status: "pass",
  credit: 1,
  summary,
  ...extras(x),
});

export const failed = (summary: string, credit = 0, x: Extras = {}): KindResult => ({
  status: "fail",
  credit: clamp01(credit),
  summary,
  ...extras(x),
});

export const pendingResult = (summary: string, credit = 0, x: Extras = {}): KindResult => ({
  status: "pending",
  credit: clamp01(credit),
  summary,
  ...extras(x),
});

/** Fail closed: a check that cannot tell earns nothing, whatever its other parts showed. */
export const unknownResult = (summary: string, x: Extras = {}): KindResult => ({
  status: "unknown",
  credit: 0,
  summary,
  ...extras(x),
});

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Reason text of an unknown fact, prefixed with what it was about. */
export const unknownReason = (what: string, fact: Extract<Fact<unknown>, { state: "unknown" }>): string =>
  `${what} could not be read: ${fact.reason}`;

/** One part of a check with several (entries, labels, globs...). */
export interface Part {
  state: "ok" | "fail" | "unknown" | "pending";
  /** What a person reads about this part when it is not ok. */
  reason?: string;
}

/**
 * The status several parts add up to. A definite failure decides the check even when other parts are
 * unknown; otherwise anything unknown makes it unknown (fail closed); pending only when the rest is fine.
 */
export function settle(parts: readonly Part[]): { status: KindResult["status"]; credit: number } {
  const ok = parts.filter((p) => p.state === "ok").length;
  const credit = parts.length === 0 ? 0 : ok / parts.length;
  if (parts.some((p) => p.state === "fail")) return { status: "fail", credit };
  if (parts.some((p) => p.state === "unknown")) return { status: "unknown", credit: 0 };
  if (parts.some((p) => p.state === "pending")) return { status: "pending", credit };
  return { status: "pass", credit: 1 };
}

/** At most `max` lines, then a line saying how many were left out. */
export function capLines(lines: readonly string[], max = 10): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `…and ${lines.length - max} more`];
}
