// One pace of writes per installation across every replica. GitHub asks a client to leave at least a second
// between POST/PATCH/PUT/DELETE requests (and no more than 80 a minute); Probot's throttle keeps that inside one
// process only, so three replicas writing for one busy installation would go three times as fast. Each write
// takes the next free slot of its installation from one row in PostgreSQL and waits for it.
import type { Sql } from "./sql.js";

/** GitHub's "at least one second between writes". */
export const WRITE_INTERVAL_MS = 1_000;
/** A write waits at most this long for its slot; beyond it the installation is swamped and waiting longer helps nobody. */
export const MAX_WAIT_MS = 60_000;

export class WritePace {
  constructor(
    private readonly sql: Sql,
    private readonly intervalMs = WRITE_INTERVAL_MS,
  ) {}

  /** Reserves the installation's next write slot; resolves with how long to wait for it, in ms (0: now). */
  async reserve(installationId: number): Promise<number> {
    const rows = await this.sql.query<{ wait_ms: string | number }>(
      `INSERT INTO write_pace (installation_id, next_at)
         VALUES ($1, clock_timestamp() + make_interval(secs => $2::double precision / 1000))
       ON CONFLICT (installation_id) DO UPDATE
         SET next_at = greatest(write_pace.next_at, clock_timestamp())
           + make_interval(secs => $2::double precision / 1000)
       RETURNING extract(epoch FROM (next_at - clock_timestamp())) * 1000 - $2 AS wait_ms`,
      [installationId, this.intervalMs],
    );
    return Math.min(MAX_WAIT_MS, Math.max(0, Math.round(Number(rows[0]?.wait_ms ?? 0))));
  }
}
