// Where the App keeps what must outlive a process: DATABASE_URL (PostgreSQL, shared by every replica, with the
// shared queue), DATA_DIR (the embedded PGlite, one process), or neither (memory only, as before).
import { resolve } from "node:path";
import { quoteIdent } from "../store/sql.js";
import { Store } from "../store/store.js";

export interface StorageSettings {
  databaseUrl: string | null;
  dataDir: string | null;
  schema: string;
  /** How long a job may run before another replica may take it over (JOB_LEASE_SECONDS). */
  leaseSeconds: number;
  /** Verdicts older than this are pruned (HISTORY_RETENTION_DAYS). */
  historyRetentionDays: number;
}

type Env = Record<string, string | undefined>;

export function readStorageSettings(
  env: Env,
): { ok: true; settings: StorageSettings } | { ok: false; message: string } {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    return { ok: false, message: "DATABASE_URL must be a postgres:// or postgresql:// URL" };
  const schema = env.DATABASE_SCHEMA?.trim() || "readiness";
  try {
    quoteIdent(schema);
  } catch {
    return {
      ok: false,
      message: `DATABASE_SCHEMA must be lower-case letters, digits and _, got "${schema}"`,
    };
  }
  const lease = env.JOB_LEASE_SECONDS?.trim();
  const leaseSeconds = lease ? Number(lease) : 300;
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 10 || leaseSeconds > 86_400)
    return {
      ok: false,
      message: `JOB_LEASE_SECONDS must be a whole number between 10 and 86400, got "${lease}"`,
    };
  const retention = env.HISTORY_RETENTION_DAYS?.trim();
  // 400 by default: a year of daily history, compared with the year before, stays.
  const historyRetentionDays = retention ? Number(retention) : 400;
  if (!Number.isInteger(historyRetentionDays) || historyRetentionDays < 1 || historyRetentionDays > 36_500)
    return {
      ok: false,
      message: `HISTORY_RETENTION_DAYS must be a whole number of days between 1 and 36500, got "${retention}"`,
    };
  const dataDir = env.DATA_DIR?.trim() ? resolve(env.DATA_DIR.trim()) : null;
  return { ok: true, settings: { databaseUrl, dataDir, schema, leaseSeconds, historyRetentionDays } };
}

/** The store these settings name (migrated), or undefined for memory only. */
export async function openStore(s: StorageSettings): Promise<Store | undefined> {
  if (s.databaseUrl) return Store.open({ databaseUrl: s.databaseUrl, schema: s.schema });
  if (s.dataDir) return Store.open({ dataDir: s.dataDir, schema: s.schema });
  return undefined;
}

/** A URL fit for a log line: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable)";
  }
}
