// The dashboard's queries (DashboardQueries) on the store's SQL, the same statements on PostgreSQL and PGlite.
// The list reads one row per repository (the repositories table carries a copy of the evaluation it shows) and
// the history only for the page's rows; filtering, sorting and paging happen in the database. Every answer is
// bounded by `readable`: a repository not named there is never read.
import type {
  DashboardQueries,
  DashboardVerdict,
  Page,
  RepositoryDetail,
  RepositoryFilter,
  RepositorySummary,
  SignOffEntry,
  VerdictPoint,
  WaiverEntry,
} from "./dashboard-types.js";
import type { Sql } from "./sql.js";

/**
 * Most repositories one viewer's `readable` may name: twice the 10,000 the list is measured on
 * (bench/dashboard.ts). A longer list is refused (DashboardInputError), never cut: cutting would hide
 * repositories without saying so.
 */
export const MAX_READABLE = 20_000;
export const MAX_PER_PAGE = 100;
/** Rows a page of a file export may hold (RepositoryFilter.export). */
export const MAX_EXPORT_PAGE = 1_000;
export const DEFAULT_PER_PAGE = 25;
/** The detail's history window: 90 days unless asked, at most a year and a day. */
export const DEFAULT_DAYS = 90;
export const MAX_DAYS = 366;
export const DEFAULT_TIMELINE = 50;
export const MAX_TIMELINE = 200;
const SPARKLINE_DAYS = 30;
const EXPIRING_DAYS = 7;
const FAILING_CHECKS = 20;
const DAY_MS = 86_400_000;

/** A request the queries refuse (the web layer answers 400). */
export class DashboardInputError extends Error {}

// owner/name as GitHub allows them (owner ≤ 39, name ≤ 100); anything else names no repository.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

function readableKeys(readable: readonly string[]): string[] {
  if (!Array.isArray(readable)) throw new DashboardInputError("readable must be a list of owner/name");
  if (readable.length > MAX_READABLE)
    throw new DashboardInputError(
      `a viewer may read at most ${MAX_READABLE} repositories on the dashboard; this one reads ${readable.length}`,
    );
  return [
    ...new Set(readable.filter((r) => typeof r === "string" && NAME.test(r)).map((r) => r.toLowerCase())),
  ];
}

const text = (v: unknown, max: number): string | null => {
  if (v === undefined || v === null || v === "") return null;
  const s = String(v);
  if (s.length > max) throw new DashboardInputError(`a filter is longer than ${max} characters`);
  return s;
};

const int = (v: unknown, fallback: number, min: number, max: number): number => {
  const n = Number(v ?? fallback);
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(n)));
};

const dayOf = (d: Date): string => d.toISOString().slice(0, 10);
const startOfDay = (d: Date): Date => new Date(Date.parse(dayOf(d)));

const VERDICTS: readonly DashboardVerdict[] = ["go", "no-go", "pending"];

// Sort keys, whitelisted: the ORDER BY is spliced from here only.
const SORTS: Record<NonNullable<RepositoryFilter["sort"]>, string> = {
  repository: "lower(repository)",
  score: "latest_score",
  verdict: "CASE latest_verdict WHEN 'no-go' THEN 0 WHEN 'pending' THEN 1 WHEN 'go' THEN 2 END",
  evaluated: "latest_at",
  blocking: "latest_blocking",
  expiring: "expiring",
};

type Row = Record<string, unknown>;

const iso = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

function point(r: Row): VerdictPoint {
  return {
    id: Number(r.id),
    targetKind: r.target_kind as VerdictPoint["targetKind"],
    targetNumber: r.target_number === null ? null : Number(r.target_number),
    environment: (r.environment as string | null) ?? null,
    sha: String(r.commit_sha),
    verdict: r.verdict as DashboardVerdict,
    score: Number(r.score),
    minScore: Number(r.min_score),
    level: (r.level as string | null) ?? null,
    incomplete: Boolean(r.incomplete),
    // Verdicts recorded before migration 3 have no count.
    blocking: r.blocking === null || r.blocking === undefined ? 0 : Number(r.blocking),
    checkRunUrl: (r.check_run_url as string | null) ?? null,
    evaluatedAt: iso(r.evaluated_at),
  };
}

const POINT_COLUMNS = `id, target_kind, target_number, environment, commit_sha, verdict, score, min_score, level,
  incomplete, blocking, check_run_url, evaluated_at`;

export class SqlDashboard implements DashboardQueries {
  constructor(private readonly sql: Sql) {}

  async listRepositories(filter: RepositoryFilter, now: Date): Promise<Page<RepositorySummary>> {
    const keys = readableKeys(filter.readable);
    const perPage = int(filter.perPage, DEFAULT_PER_PAGE, 1, filter.export ? MAX_EXPORT_PAGE : MAX_PER_PAGE);
    const page = int(filter.page, 1, 1, 1_000_000);
    if (filter.verdict !== undefined && !VERDICTS.includes(filter.verdict))
      throw new DashboardInputError(`verdict is one of ${VERDICTS.join(", ")}`);
    const sort = filter.sort ?? "repository";
    if (!(sort in SORTS)) throw new DashboardInputError(`sort is one of ${Object.keys(SORTS).join(", ")}`);
    const order = filter.order === "desc" ? "DESC" : "ASC";
    if (keys.length === 0) return { items: [], total: 0, page, perPage };
    const today = startOfDay(now);
    const params = [
      keys,
      filter.verdict ?? null,
      text(filter.category, 100),
      text(filter.team, 140),
      text(filter.owner, 39),
      text(filter.q, 100),
      dayOf(today),
      dayOf(new Date(today.getTime() + EXPIRING_DAYS * DAY_MS)),
    ];
    // A long list is matched in one pass with a hashed filter (an expression the index does not cover): 10,000
    // descents of the name index cost several times more. A short one goes through the index.
    const named = keys.length > 100 ? "(lower(repository) || '')" : "lower(repository)";
    const where = `
      FROM repositories
      WHERE ${named} = ANY($1::text[])
        AND ($2::text IS NULL OR latest_verdict = $2)
        AND ($3::text IS NULL OR $3 = ANY(latest_weak))
        AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM unnest(teams) t
              WHERE ltrim(lower(t), '@') = ltrim(lower($4), '@') OR lower(split_part(t, '/', 2)) = lower($4)))
        AND ($5::text IS NULL OR lower(owner) = lower($5))
        AND ($6::text IS NULL OR strpos(lower(repository), lower($6)) > 0)`;
    const rows = await this.sql.query(
      `SELECT *, count(*) OVER () AS total FROM (
         SELECT repository, repository_id, installation_id, owner, default_branch, teams, has_policy, latest_id,
           latest_score, latest_verdict, latest_at, latest_blocking,
           (SELECT count(*) FROM unnest(latest_expiries) e WHERE e >= $7::date AND e <= $8::date)::int AS expiring
         ${where}) listed
       ORDER BY ${SORTS[sort]} ${order} NULLS LAST, lower(repository) ASC
       LIMIT $9 OFFSET $10`,
      [...params, perPage, (page - 1) * perPage],
    );
    let total = rows.length ? Number(rows[0]!.total) : 0;
    if (rows.length === 0 && page > 1) {
      const counted = await this.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n ${where}`,
        params.slice(0, 6),
      );
      total = Number(counted[0]?.n ?? 0);
    }
    return { items: await this.summaries(rows, now, filter.export !== true), total, page, perPage };
  }

  /** The page's rows with their latest evaluation and sparkline: two statements for the whole page. */
  private async summaries(rows: Row[], now: Date, sparklines = true): Promise<RepositorySummary[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.latest_id).filter((id) => id !== null);
    const latest = new Map<number, Row>();
    if (ids.length)
      for (const v of await this.sql.query(
        `SELECT ${POINT_COLUMNS}, categories FROM verdicts WHERE id = ANY($1::bigint[])`,
        [ids],
      ))
        latest.set(Number(v.id), v);
    const from = new Date(startOfDay(now).getTime() - (SPARKLINE_DAYS - 1) * DAY_MS);
    const lines = new Map<string, { day: string; score: number }[]>();
    for (const p of sparklines
      ? await this.daily(
          rows.map((r) => String(r.repository).toLowerCase()),
          from,
          now,
          "",
        )
      : []) {
      const key = String(p.key);
      lines.set(key, [...(lines.get(key) ?? []), { day: String(p.day), score: Number(p.score) }]);
    }
    return rows.map((r) => {
      const v = r.latest_id === null ? undefined : latest.get(Number(r.latest_id));
      return {
        repository: String(r.repository),
        repositoryId: r.repository_id === null ? null : Number(r.repository_id),
        installationId: Number(r.installation_id),
        owner: String(r.owner),
        defaultBranch: (r.default_branch as string | null) ?? null,
        teams: (r.teams as string[]) ?? [],
        hasPolicy: Boolean(r.has_policy),
        latest: v ? point(v) : null,
        categories: v ? (v.categories as RepositorySummary["categories"]) : [],
        sparkline: lines.get(String(r.repository).toLowerCase()) ?? [],
        waiversExpiringSoon: Number(r.expiring ?? 0),
      };
    });
  }

  /** Each repository's last evaluation of each UTC day in [from, to], oldest day first. */
  private daily(keys: string[], from: Date, to: Date, extra: string): Promise<Row[]> {
    return this.sql.query(
      `SELECT DISTINCT ON (lower(repository), (evaluated_at AT TIME ZONE 'UTC')::date)
         lower(repository) AS key, to_char((evaluated_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
         score${extra}
       FROM verdicts
       WHERE lower(repository) = ANY($1::text[]) AND evaluated_at >= $2 AND evaluated_at <= $3
       ORDER BY lower(repository), (evaluated_at AT TIME ZONE 'UTC')::date, evaluated_at DESC, id DESC`,
      [keys, from, to],
    );
  }

  async repository(
    repository: string,
    o: { readable: string[]; now: Date; days?: number; before?: number; limit?: number },
  ): Promise<RepositoryDetail | null> {
    const keys = readableKeys(o.readable);
    if (typeof repository !== "string" || !NAME.test(repository)) return null;
    const key = repository.toLowerCase();
    if (!keys.includes(key)) return null;
    const listed = await this.listRepositories({ readable: [key], perPage: 1 }, o.now);
    const summary = listed.items[0];
    if (!summary) return null;
    const days = int(o.days, DEFAULT_DAYS, 1, MAX_DAYS);
    const limit = int(o.limit, DEFAULT_TIMELINE, 1, MAX_TIMELINE);
    const before = o.before === undefined ? null : int(o.before, 0, 0, Number.MAX_SAFE_INTEGER);
    const from = new Date(startOfDay(o.now).getTime() - (days - 1) * DAY_MS);

    const series = (await this.daily([key], from, o.now, ", categories")).map((r) => ({
      day: String(r.day),
      score: Number(r.score),
      categories: Object.fromEntries(
        (r.categories as { id: string; score: number | null }[]).map((c) => [c.id, c.score]),
      ),
    }));
    const timeline = (
      await this.sql.query(
        `SELECT ${POINT_COLUMNS} FROM verdicts
         WHERE lower(repository) = $1 AND ($2::bigint IS NULL OR id < $2)
         ORDER BY evaluated_at DESC, id DESC LIMIT $3`,
        [key, before, limit],
      )
    ).map(point);
    const latestWaivers = summary.latest
      ? await this.sql.query<{ waivers: Row[] }>("SELECT waivers FROM verdicts WHERE id = $1", [
          summary.latest.id,
        ])
      : [];
    const waivers: WaiverEntry[] = (latestWaivers[0]?.waivers ?? []).map((w) => ({
      check: String(w.check),
      source: w.source === "comment" ? "comment" : "policy",
      reason: typeof w.reason === "string" ? w.reason : "",
      approvedBy: typeof w.approvedBy === "string" ? w.approvedBy : null,
      expires: String(w.expires),
      url: typeof w.url === "string" ? w.url : null,
    }));
    // Sign-offs are given on pull requests: the newest evaluation in the window that counted any.
    const signed = await this.sql.query<{ sign_offs: SignOffEntry[] }>(
      `SELECT sign_offs FROM verdicts
       WHERE lower(repository) = $1 AND evaluated_at >= $2 AND evaluated_at <= $3
         AND jsonb_array_length(sign_offs) > 0
       ORDER BY evaluated_at DESC, id DESC LIMIT 1`,
      [key, from, o.now],
    );
    const failingChecks = (
      await this.sql.query(
        `SELECT c->>'id' AS check, min(c->>'category') AS category,
           count(*) FILTER (WHERE c->>'status' IN ('fail', 'error', 'unknown'))::int AS failures,
           count(*)::int AS evaluations
         FROM verdicts v, jsonb_array_elements(v.checks) c
         WHERE lower(v.repository) = $1 AND v.evaluated_at >= $2 AND v.evaluated_at <= $3
           AND c->>'status' <> 'skipped'
         GROUP BY c->>'id'
         HAVING count(*) FILTER (WHERE c->>'status' IN ('fail', 'error', 'unknown')) > 0
         ORDER BY failures DESC, c->>'id' LIMIT $4`,
        [key, from, o.now, FAILING_CHECKS],
      )
    ).map((r) => ({
      check: String(r.check),
      category: String(r.category),
      failures: Number(r.failures),
      evaluations: Number(r.evaluations),
    }));
    return { summary, series, timeline, waivers, signOffs: signed[0]?.sign_offs ?? [], failingChecks };
  }
}

export const dashboardQueries = (sql: Sql): DashboardQueries => new SqlDashboard(sql);
