// The query string of /dashboard and /api/v1/repositories as a filter, bounded; a wrong value is a message.
import type { DashboardVerdict, RepositoryFilter } from "../../store/dashboard-types.js";

export type ListQuery = Omit<RepositoryFilter, "readable">;

export const SORTS = ["repository", "score", "verdict", "evaluated", "blocking", "expiring"] as const;
export const VERDICTS: DashboardVerdict[] = ["go", "no-go", "pending"];
const MAX_TEXT = 100;
const MAX_PAGE = 10_000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function wholeNumber(
  raw: string | null,
  name: string,
  min: number,
  max: number,
): number | string | undefined {
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) return `${name} must be a whole number from ${min} to ${max}`;
  return n;
}

export function parseListQuery(q: URLSearchParams, o: { perPage: number }): Parsed<ListQuery> {
  const problems: string[] = [];
  const out: ListQuery = {};
  const text = (name: "category" | "team" | "owner" | "q") => {
    const v = q.get(name)?.trim();
    if (!v) return;
    if (v.length > MAX_TEXT) problems.push(`${name} must be at most ${MAX_TEXT} characters`);
    else out[name] = v;
  };
  const verdict = q.get("verdict");
  if (verdict) {
    if ((VERDICTS as string[]).includes(verdict)) out.verdict = verdict as DashboardVerdict;
    else problems.push(`verdict must be one of ${VERDICTS.join(", ")}`);
  }
  text("category");
  text("team");
  text("owner");
  text("q");
  const sort = q.get("sort");
  if (sort) {
    if ((SORTS as readonly string[]).includes(sort)) out.sort = sort as ListQuery["sort"];
    else problems.push(`sort must be one of ${SORTS.join(", ")}`);
  }
  const order = q.get("order");
  if (order) {
    if (order === "asc" || order === "desc") out.order = order;
    else problems.push("order must be asc or desc");
  }
  const page = wholeNumber(q.get("page"), "page", 1, MAX_PAGE);
  if (typeof page === "string") problems.push(page);
  else out.page = page ?? 1;
  const perPage = wholeNumber(q.get("per_page"), "per_page", 1, 100);
  if (typeof perPage === "string") problems.push(perPage);
  else out.perPage = perPage ?? o.perPage;
  return problems.length ? { ok: false, message: problems.join("; ") } : { ok: true, value: out };
}

export interface DetailQuery {
  days: number;
  before?: number;
}

export function parseDetailQuery(q: URLSearchParams): Parsed<DetailQuery> {
  const days = wholeNumber(q.get("days"), "days", 1, 366);
  const before = wholeNumber(q.get("before"), "before", 1, Number.MAX_SAFE_INTEGER);
  const problems = [days, before].filter((v): v is string => typeof v === "string");
  if (problems.length) return { ok: false, message: problems.join("; ") };
  return {
    ok: true,
    value: {
      days: (days as number | undefined) ?? 90,
      ...(before !== undefined ? { before: before as number } : {}),
    },
  };
}

/** owner/name from URL segments, as GitHub allows them; null for anything else. */
export function repositoryName(owner: string, name: string): string | null {
  let o: string;
  let n: string;
  try {
    o = decodeURIComponent(owner);
    n = decodeURIComponent(name);
  } catch {
    return null;
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(o)) return null;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(n) || n === "." || n === "..") return null;
  return `${o}/${n}`;
}
