// The repositories table (migration 3): what the sweep saw of each repository, and a copy of the evaluation
// the dashboard's list shows, kept current as verdicts are recorded.
import type { RepositoryInfo } from "./dashboard-types.js";
import type { Sql } from "./sql.js";

/** What a recorded verdict changes in its repository's row. */
export interface VerdictNote {
  repository: string;
  installationId: number;
  defaultBranch?: string;
  id: number;
  kind: string;
  verdict: string;
  score: number;
  blocking: number;
  evaluatedAt: string;
  /** Categories under 100. */
  weak: string[];
  /** Applied waivers' last valid days. */
  expiries: string[];
}

/**
 * Creates the row if the sweep has not, and makes this verdict the one the list shows when it is the default
 * branch's newest, or the newest of any kind while the default branch has none.
 */
export async function noteVerdict(sql: Sql, v: VerdictNote): Promise<void> {
  const owner = v.repository.split("/")[0] ?? v.repository;
  await sql.query(
    `INSERT INTO repositories (repository, installation_id, owner, default_branch, has_policy)
     VALUES ($1, $2, $3, $4, true)
     ON CONFLICT (lower(repository)) DO UPDATE
       SET installation_id = excluded.installation_id,
           default_branch = COALESCE(repositories.default_branch, excluded.default_branch)`,
    [v.repository, v.installationId, owner, v.defaultBranch ?? null],
  );
  await sql.query(
    `UPDATE repositories SET latest_id = $2, latest_kind = $3, latest_verdict = $4, latest_score = $5,
       latest_blocking = $6, latest_at = $7, latest_weak = $8, latest_expiries = $9::date[], updated_at = now()
     WHERE lower(repository) = lower($1)
       AND (latest_id IS NULL
         OR ($3 = 'branch' AND (latest_kind <> 'branch' OR latest_at <= $7))
         OR ($3 <> 'branch' AND latest_kind <> 'branch' AND latest_at <= $7))`,
    [v.repository, v.id, v.kind, v.verdict, v.score, v.blocking, v.evaluatedAt, v.weak, v.expiries],
  );
}

export interface SweptRepository extends RepositoryInfo {
  /** The default branch's head the sweep looked at (evaluated, or found without a policy). */
  sweptSha: string | null;
  sweptAt: Date;
}

/** Writes what the sweep saw; the evaluation copied for the list is left as it is. */
export async function saveRepository(sql: Sql, r: SweptRepository): Promise<void> {
  // A repository deleted and made again under the same name is a new id: the old row goes.
  await sql.transaction(async (tx) => {
    await tx.query("DELETE FROM repositories WHERE lower(repository) <> lower($1) AND repository_id = $2", [
      r.repository,
      r.repositoryId,
    ]);
    await tx.query(
      `INSERT INTO repositories (repository, repository_id, installation_id, owner, default_branch, teams,
         has_policy, swept_sha, swept_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (lower(repository)) DO UPDATE
         SET repository = excluded.repository, repository_id = excluded.repository_id,
             installation_id = excluded.installation_id, owner = excluded.owner,
             default_branch = excluded.default_branch, teams = excluded.teams, has_policy = excluded.has_policy,
             swept_sha = excluded.swept_sha, swept_at = excluded.swept_at, updated_at = now()`,
      [
        r.repository,
        r.repositoryId,
        r.installationId,
        r.owner,
        r.defaultBranch,
        r.teams,
        r.hasPolicy,
        r.sweptSha,
        r.sweptAt,
      ],
    );
  });
}

/** What the last sweep saw of one installation's repositories, by lower-case owner/name. */
export async function sweptState(
  sql: Sql,
  installationId: number,
): Promise<Map<string, { sha: string | null; at: Date | null }>> {
  const rows = await sql.query<{ repository: string; swept_sha: string | null; swept_at: unknown }>(
    "SELECT repository, swept_sha, swept_at FROM repositories WHERE installation_id = $1",
    [installationId],
  );
  return new Map(
    rows.map((r) => [
      r.repository.toLowerCase(),
      { sha: r.swept_sha, at: r.swept_at === null ? null : new Date(r.swept_at as string) },
    ]),
  );
}

/** The sweep found the head it last looked at: only the time moves (teams and policy stay as they were). */
export async function touchSwept(sql: Sql, repository: string, at: Date): Promise<void> {
  await sql.query(
    "UPDATE repositories SET swept_at = $2, updated_at = now() WHERE lower(repository) = lower($1)",
    [repository, at],
  );
}
