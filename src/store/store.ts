// The App's shared state: delivery dedupe, deployment gates waiting for a workflow, and the verdict history.
// On PostgreSQL (DATABASE_URL) every replica shares it; without it an embedded PGlite keeps it under DATA_DIR.
import type { Report } from "../engine/types.js";
import { migrate } from "./migrations.js";
import { appliedWaivers, signOffs, weakCategories } from "./report-facts.js";
import { noteVerdict } from "./repositories.js";
import { type PgliteOptions, pgliteSql, postgresSql, type Sql } from "./sql.js";

export interface StoreOptions {
  /** PostgreSQL; absent: the embedded PGlite. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; absent (and no databaseUrl): memory only. */
  dataDir?: string;
  /** The schema holding the tables ("readiness" by default). */
  schema?: string;
  /** Bound on connecting and each statement (PostgreSQL). */
  timeoutMs?: number;
  /** Tests: a PGlite instance to use instead of starting one (see pgliteSql). */
  pglite?: PgliteOptions["shared"];
}

export type GateState = "pending" | "answering" | "approved" | "rejected" | "expired";

export interface GateInput {
  installationId: number;
  owner: string;
  repo: string;
  runId: number;
  environment: string;
  sha: string;
  callbackUrl?: string;
  /** What to run to evaluate it again (a deployment job, as plain data). */
  job: unknown;
}

export interface Gate extends GateInput {
  id: number;
  state: GateState;
  createdAt: Date;
  updatedAt: Date;
}

export interface VerdictRecord {
  repository: string;
  /** branch: the sweep's evaluation of the default branch's head. */
  targetKind: "pull_request" | "release" | "deployment" | "merge_group" | "branch";
  /** Pull request number, release id. */
  targetNumber?: number;
  environment?: string;
  sha: string;
  report: Report;
  /** The installation it was evaluated for: the repository is then listed on the dashboard. */
  installationId?: number;
  defaultBranch?: string;
  checkRunUrl?: string;
}

export interface VerdictRow {
  id: number;
  repository: string;
  targetKind: string;
  targetNumber: number | null;
  environment: string | null;
  sha: string;
  context: string;
  verdict: string;
  score: number;
  minScore: number;
  mode: string;
  level: string | null;
  incomplete: boolean;
  categories: { id: string; score: number | null; weight: number }[];
  checks: { id: string; category: string; status: string; credit: number; required: boolean }[];
  waivers: {
    check: string;
    source: string;
    expires: string;
    approvedBy?: string;
    reason?: string;
    url?: string;
    state: string;
  }[];
  evaluatedAt: Date;
}

/** A claim on a gate answer is held this long; a replica that died holding it loses it after that. */
export const GATE_CLAIM_LEASE_SECONDS = 120;

const gateRow = (r: Record<string, unknown>): Gate => ({
  id: Number(r.id),
  installationId: Number(r.installation_id),
  owner: String(r.owner),
  repo: String(r.repo),
  runId: Number(r.run_id),
  environment: String(r.environment),
  sha: String(r.commit_sha),
  ...(r.callback_url ? { callbackUrl: String(r.callback_url) } : {}),
  job: r.job,
  state: r.state as GateState,
  createdAt: new Date(r.created_at as string),
  updatedAt: new Date(r.updated_at as string),
});

export class Store {
  private constructor(readonly sql: Sql) {}

  /** Connects (or opens the data directory) and applies the migrations this release has, under a lock. */
  static async open(o: StoreOptions = {}): Promise<Store> {
    const schema = o.schema ?? "readiness";
    const sql = o.databaseUrl
      ? await postgresSql({
          connectionString: o.databaseUrl,
          schema,
          ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
        })
      : await pgliteSql({
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
          ...(o.pglite ? { shared: o.pglite } : {}),
          schema,
        });
    try {
      await migrate(sql);
    } catch (error) {
      await sql.close().catch(() => {});
      throw error;
    }
    return new Store(sql);
  }

  get engine(): Sql["engine"] {
    return this.sql.engine;
  }

  /** Resolves when the database answers a statement. */
  async ping(): Promise<void> {
    await this.sql.query("SELECT 1");
  }

  close(): Promise<void> {
    return this.sql.close();
  }

  // ---------------------------------------------------------------- deliveries

  /** True for the first replica to see `id`; false for a redelivery already taken. */
  async claimDelivery(id: string): Promise<boolean> {
    const rows = await this.sql.query(
      "INSERT INTO deliveries (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id",
      [id.slice(0, 100)],
    );
    return rows.length === 1;
  }

  /** Gives an id back when its work was refused (503): GitHub's redelivery must then be taken. */
  async releaseDelivery(id: string): Promise<void> {
    await this.sql.query("DELETE FROM deliveries WHERE id = $1", [id.slice(0, 100)]);
  }

  /** Forgets delivery ids older than `days` (GitHub redelivers for a few days at most). */
  async pruneDeliveries(days = 7): Promise<number> {
    const rows = await this.sql.query(
      "DELETE FROM deliveries WHERE received_at < now() - make_interval(days => $1) RETURNING id",
      [days],
    );
    return rows.length;
  }

  // ---------------------------------------------------------------- deployment gates

  /**
   * Records a gate still waiting (or refreshes the job it will run); a gate already answered stays answered.
   * Returns it, or null when it was already answered.
   */
  async waitGate(g: GateInput): Promise<Gate | null> {
    const rows = await this.sql.query(
      `INSERT INTO deployment_gates (installation_id, owner, repo, run_id, environment, commit_sha, callback_url, job)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (lower(owner), lower(repo), run_id, lower(environment)) DO UPDATE
         SET job = excluded.job, commit_sha = excluded.commit_sha,
             callback_url = COALESCE(excluded.callback_url, deployment_gates.callback_url), updated_at = now()
         WHERE deployment_gates.state IN ('pending', 'answering')
       RETURNING *`,
      [
        g.installationId,
        g.owner,
        g.repo,
        g.runId,
        g.environment,
        g.sha,
        g.callbackUrl ?? null,
        JSON.stringify(g.job),
      ],
    );
    return rows[0] ? gateRow(rows[0]) : null;
  }

  /** Gates still waiting on a commit: a workflow on it completed, so they are evaluated again. */
  async pendingGatesOn(owner: string, repo: string, sha: string): Promise<Gate[]> {
    const rows = await this.sql.query(
      `SELECT * FROM deployment_gates
       WHERE lower(owner) = lower($1) AND lower(repo) = lower($2) AND commit_sha = $3 AND state = 'pending'
       ORDER BY id`,
      [owner, repo, sha],
    );
    return rows.map(gateRow);
  }

  /** Gates still waiting whose last evaluation is older than `seconds` (the sweep evaluates them again). */
  async staleGates(seconds: number, limit = 100): Promise<Gate[]> {
    const rows = await this.sql.query(
      `SELECT * FROM deployment_gates
       WHERE (state = 'pending' OR (state = 'answering' AND claimed_at < now() - make_interval(secs => $3)))
         AND updated_at < now() - make_interval(secs => $1)
       ORDER BY updated_at, id LIMIT $2`,
      [seconds, limit, GATE_CLAIM_LEASE_SECONDS],
    );
    return rows.map(gateRow);
  }

  /** Marks gates GitHub no longer waits for (30 days) as expired; returns how many. */
  async expireGates(days = 30): Promise<number> {
    const rows = await this.sql.query(
      `UPDATE deployment_gates SET state = 'expired', updated_at = now()
       WHERE state IN ('pending', 'answering') AND created_at < now() - make_interval(days => $1) RETURNING id`,
      [days],
    );
    return rows.length;
  }

  /**
   * Answers a gate exactly once across replicas: the row is claimed (pending → answering, or an answering
   * claim whose lease ran out), `send` posts the decision, and the row records it. Returns false without
   * calling `send` when another replica answered or holds the claim. If `send` throws, the gate is pending again.
   */
  async answerGate(
    g: Pick<GateInput, "installationId" | "owner" | "repo" | "runId" | "environment" | "sha" | "job"> & {
      callbackUrl?: string;
    },
    state: "approved" | "rejected",
    comment: string,
    send: () => Promise<void>,
  ): Promise<boolean> {
    await this.sql.query(
      `INSERT INTO deployment_gates (installation_id, owner, repo, run_id, environment, commit_sha, callback_url, job)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (lower(owner), lower(repo), run_id, lower(environment)) DO NOTHING`,
      [
        g.installationId,
        g.owner,
        g.repo,
        g.runId,
        g.environment,
        g.sha,
        g.callbackUrl ?? null,
        JSON.stringify(g.job),
      ],
    );
    const key = [g.owner, g.repo, g.runId, g.environment];
    const claimed = await this.sql.query<{ id: string }>(
      `UPDATE deployment_gates SET state = 'answering', claimed_at = now(), updated_at = now()
       WHERE lower(owner) = lower($1) AND lower(repo) = lower($2) AND run_id = $3 AND lower(environment) = lower($4)
         AND (state = 'pending' OR (state = 'answering' AND claimed_at < now() - make_interval(secs => $5)))
       RETURNING id`,
      [...key, GATE_CLAIM_LEASE_SECONDS],
    );
    const id = claimed[0]?.id;
    if (id === undefined) return false;
    try {
      await send();
    } catch (error) {
      await this.sql
        .query(
          "UPDATE deployment_gates SET state = 'pending', claimed_at = NULL WHERE id = $1 AND state = 'answering'",
          [id],
        )
        .catch(() => {});
      throw error;
    }
    await this.sql.query(
      `UPDATE deployment_gates SET state = $2, answered_at = now(), updated_at = now(), answer_comment = $3
       WHERE id = $1`,
      [id, state, comment.slice(0, 1024)],
    );
    return true;
  }

  async gate(owner: string, repo: string, runId: number, environment: string): Promise<Gate | null> {
    const rows = await this.sql.query(
      `SELECT * FROM deployment_gates
       WHERE lower(owner) = lower($1) AND lower(repo) = lower($2) AND run_id = $3 AND lower(environment) = lower($4)`,
      [owner, repo, runId, environment],
    );
    return rows[0] ? gateRow(rows[0]) : null;
  }

  async countGates(state: GateState): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deployment_gates WHERE state = $1",
      [state],
    );
    return Number(rows[0]?.n ?? 0);
  }

  // ---------------------------------------------------------------- verdict history

  /** Records one evaluation; with an installation, its repository's row on the dashboard follows it. */
  async recordVerdict(v: VerdictRecord): Promise<number> {
    return this.sql.transaction((tx) => this.insertVerdict(tx, v));
  }

  private async insertVerdict(sql: Sql, v: VerdictRecord): Promise<number> {
    const r = v.report;
    const level = (r as { level?: unknown }).level;
    const waivers = appliedWaivers(r);
    const rows = await sql.query<{ id: string }>(
      `INSERT INTO verdicts (repository, target_kind, target_number, environment, commit_sha, context, verdict,
         score, min_score, mode, level, incomplete, categories, checks, waivers, evaluated_at,
         installation_id, check_run_url, blocking, sign_offs)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
       RETURNING id`,
      [
        v.repository,
        v.targetKind,
        v.targetNumber ?? null,
        v.environment ?? null,
        v.sha,
        r.target.context,
        r.verdict,
        r.score,
        r.minScore,
        r.mode,
        typeof level === "string" ? level : null,
        r.incomplete,
        JSON.stringify(r.categories.map((c) => ({ id: c.id, score: c.score, weight: c.weight }))),
        JSON.stringify(
          r.checks.map((c) => ({
            id: c.id,
            category: c.category,
            status: c.status,
            credit: c.credit,
            required: c.required,
          })),
        ),
        JSON.stringify(
          waivers.map((w) => ({
            check: w.check,
            source: w.source,
            expires: w.expires,
            ...(w.approvedBy ? { approvedBy: w.approvedBy } : {}),
            reason: w.reason,
            ...(w.url ? { url: w.url } : {}),
            state: "applied",
          })),
        ),
        r.evaluatedAt,
        v.installationId ?? null,
        v.checkRunUrl ?? null,
        r.blocking.length,
        JSON.stringify(signOffs(r)),
      ],
    );
    const id = Number(rows[0]!.id);
    if (v.installationId !== undefined)
      await noteVerdict(sql, {
        repository: v.repository,
        installationId: v.installationId,
        ...(v.defaultBranch ? { defaultBranch: v.defaultBranch } : {}),
        id,
        kind: v.targetKind,
        verdict: r.verdict,
        score: r.score,
        blocking: r.blocking.length,
        evaluatedAt: r.evaluatedAt,
        weak: weakCategories(r),
        expiries: waivers.map((w) => w.expires),
      });
    return id;
  }

  /** The check run an evaluation wrote, once it is written (after the evaluation was recorded). */
  async linkCheckRun(id: number, url: string): Promise<void> {
    await this.sql.query("UPDATE verdicts SET check_run_url = $2 WHERE id = $1", [id, url.slice(0, 500)]);
  }

  /**
   * Deletes verdicts evaluated more than `days` ago (HISTORY_RETENTION_DAYS), a batch at a time so a first
   * prune of a long history holds no long lock; returns how many.
   */
  async pruneVerdicts(days: number, batch = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.sql.query(
        `DELETE FROM verdicts WHERE id IN (
           SELECT id FROM verdicts WHERE evaluated_at < now() - make_interval(days => $1) LIMIT $2)
         RETURNING id`,
        [days, batch],
      );
      total += rows.length;
      if (rows.length < batch) return total;
    }
  }

  /** A repository's verdicts, newest first; `before` (an id) pages on. */
  async listVerdicts(
    o: { repository?: string; limit?: number; before?: number } = {},
  ): Promise<VerdictRow[]> {
    const limit = Math.max(1, Math.min(o.limit ?? 50, 500));
    const rows = await this.sql.query(
      `SELECT * FROM verdicts
       WHERE ($1::text IS NULL OR lower(repository) = lower($1)) AND ($2::bigint IS NULL OR id < $2)
       ORDER BY evaluated_at DESC, id DESC LIMIT $3`,
      [o.repository ?? null, o.before ?? null, limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      repository: String(r.repository),
      targetKind: String(r.target_kind),
      targetNumber: r.target_number === null ? null : Number(r.target_number),
      environment: (r.environment as string | null) ?? null,
      sha: String(r.commit_sha),
      context: String(r.context),
      verdict: String(r.verdict),
      score: Number(r.score),
      minScore: Number(r.min_score),
      mode: String(r.mode),
      level: (r.level as string | null) ?? null,
      incomplete: Boolean(r.incomplete),
      categories: r.categories as VerdictRow["categories"],
      checks: r.checks as VerdictRow["checks"],
      waivers: r.waivers as VerdictRow["waivers"],
      evaluatedAt: new Date(r.evaluated_at as string),
    }));
  }
}
