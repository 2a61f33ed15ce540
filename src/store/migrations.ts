// The store's schema, as numbered steps. Each runs once, in order, in its own transaction, recorded in
// schema_migrations. Every replica runs migrate() at start under one advisory lock: the first applies what
// is missing, the others wait and then find nothing to do. A step is never edited once released: add one.
import type { Sql } from "./sql.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "deliveries, deployment gates, verdict history",
    sql: `
      -- X-GitHub-Delivery ids already taken by some replica: a redelivery is processed once.
      CREATE TABLE deliveries (
        id text PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX deliveries_received_at ON deliveries (received_at);

      -- Deployments waiting on the App's protection rule while their verdict is pending. GitHub waits up to
      -- 30 days for the answer; this row outlives any replica. state: pending → answering (claimed by one replica, with a lease) → approved | rejected; or expired.
      CREATE TABLE deployment_gates (
        id bigserial PRIMARY KEY,
        installation_id bigint NOT NULL,
        owner text NOT NULL,
        repo text NOT NULL,
        run_id bigint NOT NULL,
        environment text NOT NULL,
        commit_sha text NOT NULL,
        callback_url text,
        job jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        answered_at timestamptz,
        answer_comment text,
        claimed_at timestamptz,
        CONSTRAINT deployment_gates_state CHECK (state IN ('pending', 'answering', 'approved', 'rejected', 'expired'))
      );
      -- GitHub asks once per workflow run and environment: one gate for it.
      CREATE UNIQUE INDEX deployment_gates_run ON deployment_gates (lower(owner), lower(repo), run_id, lower(environment));
      CREATE INDEX deployment_gates_pending_commit ON deployment_gates (lower(owner), lower(repo), commit_sha)
        WHERE state IN ('pending', 'answering');
      CREATE INDEX deployment_gates_pending_created ON deployment_gates (updated_at) WHERE state IN ('pending', 'answering');

      -- Every completed evaluation, for the organisation dashboard: listed by repository and time.
      CREATE TABLE verdicts (
        id bigserial PRIMARY KEY,
        repository text NOT NULL,
        target_kind text NOT NULL,
        target_number bigint,
        environment text,
        commit_sha text NOT NULL,
        context text NOT NULL,
        verdict text NOT NULL,
        score numeric(4,1) NOT NULL,
        min_score numeric(4,1) NOT NULL,
        mode text NOT NULL,
        level text,
        incomplete boolean NOT NULL,
        categories jsonb NOT NULL,
        checks jsonb NOT NULL,
        waivers jsonb NOT NULL,
        evaluated_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX verdicts_repository_time ON verdicts (lower(repository), evaluated_at DESC, id DESC);
      CREATE INDEX verdicts_time ON verdicts (evaluated_at DESC, id DESC);
      CREATE INDEX verdicts_target ON verdicts (lower(repository), target_kind, target_number, evaluated_at DESC);
    `,
  },
  {
    version: 2,
    name: "work waiting per coalescing key",
    sql: `
      -- The latest merged item per key of the shared queue (src/store/job-queue.ts). The pg-boss job carries only
      -- the key; a run reads the row and deletes it only if nobody merged newer work into it meanwhile.
      CREATE TABLE queue_items (
        queue text NOT NULL,
        key text NOT NULL,
        data jsonb NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (queue, key)
      );
      CREATE INDEX queue_items_created ON queue_items (queue, created_at);
    `,
  },
  {
    version: 3,
    name: "repositories for the dashboard, verdict links and sign-offs",
    sql: `
      -- Every repository the dashboard lists: written by the sweep (src/app/sweep.ts) for each repository of an
      -- installation, and by each recorded verdict. The evaluation the list page shows (the default branch's
      -- newest, else the newest of any kind) is copied into latest_*: the list filters and sorts one row per
      -- repository and never searches the history for it.
      CREATE TABLE repositories (
        repository text NOT NULL,
        repository_id bigint,
        installation_id bigint NOT NULL,
        owner text NOT NULL,
        default_branch text,
        teams text[] NOT NULL DEFAULT '{}',
        has_policy boolean NOT NULL DEFAULT false,
        swept_sha text,
        swept_at timestamptz,
        latest_id bigint,
        latest_kind text,
        latest_verdict text,
        latest_score numeric(4,1),
        latest_blocking integer,
        latest_at timestamptz,
        latest_weak text[] NOT NULL DEFAULT '{}',
        latest_expiries date[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX repositories_name ON repositories (lower(repository));
      CREATE INDEX repositories_installation ON repositories (installation_id);
      CREATE INDEX repositories_owner ON repositories (lower(owner));

      ALTER TABLE verdicts ADD COLUMN installation_id bigint;
      ALTER TABLE verdicts ADD COLUMN check_run_url text;
      ALTER TABLE verdicts ADD COLUMN blocking integer;
      ALTER TABLE verdicts ADD COLUMN sign_offs jsonb NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 4,
    name: "write pace per installation",
    sql: `
      -- The next free write slot of each installation, shared by the replicas (src/store/write-pace.ts).
      CREATE TABLE write_pace (
        installation_id bigint PRIMARY KEY,
        next_at timestamptz NOT NULL
      );
    `,
  },
];

/** The advisory lock key for migrations (any constant: "rgmi" in ASCII). */
export const MIGRATION_LOCK = 0x72676d69;

/** Applies the steps not yet recorded; returns the versions it applied. */
export async function migrate(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return sql.withAdvisoryLock(MIGRATION_LOCK, async (locked) => {
    await locked.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await locked.query<{ version: number }>("SELECT version FROM schema_migrations")).map(
        (r) => r.version,
      ),
    );
    const newest = Math.max(0, ...done);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known)
      throw new Error(
        `the database schema is at version ${newest}, newer than this release knows (${known}): run a newer release or restore the database`,
      );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await locked.transaction(async (tx) => {
        await execAll(tx, m.sql);
        await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      });
      applied.push(m.version);
    }
    return applied;
  });
}

/** Statements one by one: the extended protocol (parameters) takes one statement per call. */
async function execAll(sql: Sql, text: string): Promise<void> {
  const statements = text
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter(Boolean);
  for (const statement of statements) await sql.query(statement);
}
