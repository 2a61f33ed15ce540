// `readiness reconcile`: one pass of ./reconcile.ts from the command line (a cron job, a Kubernetes CronJob),
// with the server's settings (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GITHUB_API_URL). No webhook secret needed.
// Before anything else it proves the credentials with one GET /app (./startup-check.ts), so a wrong key, App id
// or API URL is one line naming the setting, not an error per installation.
import { Probot } from "probot";
import { readSettings } from "./config.js";
import { createReadinessApp, type ReconcileScope } from "./index.js";
import { createLogger } from "./logging.js";
import { verifyApp } from "./startup-check.js";
import { openStore, readStorageSettings } from "./storage.js";

export interface ReconcileIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env?: Record<string, string | undefined>;
  /** The clock evaluations run at (waiver expiry, maxAgeDays); the real one by default. */
  now?: () => Date;
}

export const RECONCILE_USAGE = `Usage: readiness reconcile [--repo OWNER/NAME] [--installation ID] [--dry-run]

Re-evaluates open release pull requests whose result can change with time (waivers that expire,
maxAgeDays limits) or whose check run was left in_progress or never written (a missed webhook),
and answers deployments waiting on the App's protection rule, in every installation of the App.
Reads APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GITHUB_API_URL, and DATABASE_URL when the App
runs with one (a deployment gate is then answered once, whether by a server or by this command).
Exit code: 0 done; 1 some repositories could not be reconciled, or GitHub could not be reached;
2 usage or settings error, including credentials or an API URL that GitHub rejects.

  --repo OWNER/NAME    only this repository
  --installation ID    only this installation
  --dry-run            list what would be re-evaluated, change nothing
`;

type Parsed = ({ ok: true } & ReconcileScope & { help?: boolean }) | { ok: false; message: string };

export function parseReconcileArgs(argv: readonly string[]): Parsed {
  const out: ReconcileScope & { help?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--help" || flag === "-h") out.help = true;
    else if (flag === "--dry-run") out.dryRun = true;
    else if (flag === "--repo") {
      const v = value();
      if (!v || !/^[^/\s]+\/[^/\s]+$/.test(v)) return { ok: false, message: "--repo needs OWNER/NAME" };
      out.repository = v;
    } else if (flag === "--installation") {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) return { ok: false, message: "--installation needs a number" };
      out.installationId = v;
    } else return { ok: false, message: `unknown argument: ${arg}` };
  }
  return { ok: true, ...out };
}

/**
 * Exit code: 0 done; 1 some repositories could not be reconciled, or GitHub could not be reached (it may pass);
 * 2 usage or settings error, including credentials or an API URL GitHub rejects.
 */
export async function reconcileMain(argv: readonly string[], io: ReconcileIO): Promise<number> {
  const args = parseReconcileArgs(argv);
  if (!args.ok) {
    io.stderr.write(`readiness reconcile: ${args.message}\n\n${RECONCILE_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(RECONCILE_USAGE);
    return 0;
  }
  const env = io.env ?? process.env;
  const settings = readSettings({ LOG_LEVEL: "warn", ...env }, { requireWebhookSecret: false });
  if (!settings.ok) {
    io.stderr.write(`readiness reconcile: ${settings.message}\n`);
    return 2;
  }
  const s = settings.settings;
  for (const warning of settings.warnings) io.stderr.write(`readiness reconcile: warning: ${warning}\n`);
  const verified = await verifyApp(s);
  if (!verified.ok) {
    io.stderr.write(`readiness reconcile: ${verified.failure.message}\n`);
    // Unreachable or failing GitHub may pass; credentials and a wrong URL are settings to fix.
    return verified.failure.transient ? 1 : 2;
  }
  const storage = readStorageSettings(env);
  if (!storage.ok) {
    io.stderr.write(`readiness reconcile: ${storage.message}\n`);
    return 2;
  }
  // The servers' PostgreSQL, so gates go through the rows they share (an embedded DATA_DIR is the server's own).
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = storage.settings.databaseUrl
      ? await openStore({ ...storage.settings, dataDir: null })
      : undefined;
  } catch (error) {
    io.stderr.write(`readiness reconcile: cannot open the store: ${(error as Error).message}\n`);
    return 1;
  }
  const log = await createLogger(s, 2);
  const probot = new Probot({ appId: s.appId, privateKey: s.privateKey, baseUrl: s.baseUrl, log });
  const { app, runtime } = createReadinessApp({
    concurrency: s.queueConcurrency,
    maxQueued: 100_000,
    requestTimeoutMs: s.githubTimeoutMs,
    ...(io.now ? { now: io.now } : {}),
    ...(store ? { store, sweepGates: false } : {}),
  });
  await probot.load(app, { cwd: process.cwd(), addHandler: () => {} });
  const scope: ReconcileScope = {};
  if (args.repository) scope.repository = args.repository;
  if (args.installationId !== undefined) scope.installationId = args.installationId;
  if (args.dryRun) scope.dryRun = true;
  let summary: Awaited<ReturnType<typeof runtime.reconcileNow>>;
  try {
    summary = await runtime.reconcileNow(scope);
    await runtime.idle();
  } finally {
    await store?.close().catch(() => {});
  }
  for (const d of summary.decisions)
    io.stdout.write(`${args.dryRun ? "would re-evaluate" : "re-evaluated"} ${d}\n`);
  for (const e of summary.errors) io.stderr.write(`error: ${e}\n`);
  io.stdout.write(
    `reconcile: ${summary.installations} installation(s), ${summary.repositories} repositories, ` +
      `${summary.gated} gated of ${summary.pullRequests} open pull requests: ` +
      `${summary.reevaluated} ${args.dryRun ? "to re-evaluate" : "re-evaluated"}, ${summary.upToDate} up to date, ` +
      `${summary.deployments} waiting deployment(s) ${args.dryRun ? "to answer" : "evaluated"}, ` +
      `${summary.errors.length} error(s)\n`,
  );
  return summary.errors.length ? 1 : 0;
}
