// The server: `npm start` (node dist/app/main.js). Settings are checked before anything starts; a problem
// is one line on stderr and exit code 1.

import { createServer } from "node:http";
import { Probot, Server } from "probot";
import { errorForLog } from "../evidence/github/failure.js";
import { dashboardQueries } from "../store/dashboard.js";
import { webhookIntake } from "./body-limit.js";
import { readSettings } from "./config.js";
import { readDashboardSettings } from "./dashboard/settings.js";
import { createReadinessApp } from "./index.js";
import { createLogger } from "./logging.js";
import { createMetrics } from "./metrics.js";
import { RecentIds } from "./queue.js";
import { type MetricsAccess, serveMetrics } from "./routes.js";
import { startupCheck } from "./startup-check.js";
import { openStore, readStorageSettings, redactUrl } from "./storage.js";

const result = readSettings(process.env);
if (!result.ok) {
  process.stderr.write(`readiness-gate: ${result.message}\n`);
  process.exit(1);
}
const settings = result.settings;
const storage = readStorageSettings(process.env);
if (!storage.ok) {
  process.stderr.write(`readiness-gate: ${storage.message}\n`);
  process.exit(1);
}
const dashboardSettings = readDashboardSettings(process.env, settings.baseUrl);
if (!dashboardSettings.ok) {
  process.stderr.write(`readiness-gate: ${dashboardSettings.message}\n`);
  process.exit(1);
}
const dashboard = dashboardSettings.settings;
if (dashboard && !storage.settings.databaseUrl && !storage.settings.dataDir) {
  process.stderr.write(
    "readiness-gate: cannot start: the dashboard (GITHUB_CLIENT_ID) shows the verdict history, which needs a store: set DATABASE_URL or DATA_DIR\n",
  );
  process.exit(1);
}
const log = await createLogger(settings);
for (const warning of result.warnings) log.warn({ deprecated: true }, warning);
for (const warning of dashboardSettings.warnings) log.warn(warning);
// /readyz stays 503 until GitHub accepts the App's credentials (one line per problem, retried with backoff).
const credentials = startupCheck(settings, log);
// Opened (and migrated, under a lock) before anything listens: a database that cannot be reached stops the start.
const store = await openStore(storage.settings).catch((error: unknown) => {
  process.stderr.write(
    `readiness-gate: cannot open the store: ${(error as Error).message ?? String(error)}\n`,
  );
  process.exit(1);
});

// /metrics names installations only where it is protected: by a token, or by being on a port of its own
// (which the operator keeps off the internet). See docs/operations.md.
const metricsAccess: MetricsAccess = {
  token: settings.metricsToken,
  onThisPort: settings.metricsPort === null,
};
const metrics = createMetrics({
  defaults: true,
  perInstallation: settings.metricsToken !== null || settings.metricsPort !== null,
});
const { app, runtime } = createReadinessApp({
  metrics,
  metricsAccess,
  concurrency: settings.queueConcurrency,
  maxQueued: settings.queueMaxQueued,
  reconcileIntervalMinutes: settings.reconcileIntervalMinutes,
  sweepIntervalMinutes: settings.sweepIntervalMinutes,
  sweepRequestBudget: settings.sweepRequestBudget,
  requestTimeoutMs: settings.githubTimeoutMs,
  notReady: () => credentials.problem,
  ...(store ? { store, historyRetentionDays: storage.settings.historyRetentionDays } : {}),
  ...(store && dashboard ? { dashboard: { settings: dashboard, queries: dashboardQueries(store.sql) } } : {}),
  ...(store && storage.settings.databaseUrl
    ? {
        sharedQueue: {
          connectionString: storage.settings.databaseUrl,
          schema: storage.settings.schema,
          leaseSeconds: storage.settings.leaseSeconds,
          // Expired leases are looked for at half the lease (at most every 30 s).
          maintenanceSeconds: Math.min(30, Math.floor(storage.settings.leaseSeconds / 2)),
        },
        // A commit evaluated on another replica is waited for up to the lease, then the job is retried.
        commitLocks: {
          connectionString: storage.settings.databaseUrl,
          schema: storage.settings.schema,
          waitMs: storage.settings.leaseSeconds * 1000,
        },
      }
    : {}),
});

const Configured = Probot.defaults({
  appId: settings.appId,
  privateKey: settings.privateKey,
  secret: settings.webhookSecret,
  baseUrl: settings.baseUrl,
  log,
}) as typeof Probot;

// Signatures of accepted bodies: a signed body replayed under a new delivery id is not processed again.
const seenSignatures = new RecentIds(10_000);

/** Probot behind the webhook intake: signature first, bounded bodies and bytes in flight (./body-limit.ts). */
class BoundedProbot extends Configured {
  override async getNodeMiddleware(options?: Parameters<Probot["getNodeMiddleware"]>[0]) {
    return webhookIntake(
      {
        path: settings.webhookPath,
        secret: settings.webhookSecret,
        maxInflightBytes: settings.webhookMaxInflightBytes,
        seenSignatures,
        onRefused: (status, reason, deliveryId) => {
          runtime.metrics.webhooksRefused.inc({ status: String(status) });
          log.warn({ status, deliveryId }, `webhook refused: ${reason}`);
        },
        onReplay: (deliveryId, event) => {
          runtime.metrics.duplicateDeliveries.inc();
          log.info({ deliveryId, event }, "replayed body ignored: the same signed body was already accepted");
        },
      },
      await super.getNodeMiddleware(options),
    );
  }
}

const server = new Server({
  host: settings.host,
  port: settings.port,
  webhookPath: settings.webhookPath,
  ...(settings.webhookProxyUrl ? { webhookProxy: settings.webhookProxyUrl } : {}),
  log,
  Probot: BoundedProbot,
});

await server.load(app);
const http = await server.start();
const metricsServer =
  settings.metricsPort === null
    ? null
    : createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if ((req.method === "GET" || req.method === "HEAD") && path === "/metrics")
          void serveMetrics(metrics, { ...metricsAccess, onThisPort: true }, req, res).catch(() =>
            res.writeHead(500).end(),
          );
        else res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      });
if (metricsServer) {
  const port = settings.metricsPort!;
  await new Promise<void>((resolve, reject) => {
    metricsServer.once("error", reject);
    metricsServer.listen(port, settings.host, () => resolve());
  });
}
await credentials.start();
log.info(
  {
    appId: settings.appId,
    baseUrl: settings.baseUrl,
    webhookPath: settings.webhookPath,
    reconcileIntervalMinutes: settings.reconcileIntervalMinutes,
    sweepIntervalMinutes: settings.sweepIntervalMinutes,
    github: credentials.problem === null ? "credentials verified" : "not verified: /readyz is 503",
    dashboard: dashboard ? { webUrl: dashboard.webUrl, publicUrl: dashboard.publicUrl } : "off",
    store: storage.settings.databaseUrl
      ? `postgres ${redactUrl(storage.settings.databaseUrl)}`
      : storage.settings.dataDir
        ? `embedded ${storage.settings.dataDir}`
        : "memory",
    metrics: {
      port: settings.metricsPort ?? settings.port,
      tokenSet: settings.metricsToken !== null,
      perInstallation: settings.metricsToken !== null || settings.metricsPort !== null,
    },
  },
  "readiness gate ready",
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    log.warn({ signal }, "second signal: exiting without waiting");
    process.exit(1);
  }
  stopping = true;
  // A database that stopped answering can hold a pool's close or the queue's stop for ever: the drain bound,
  // plus the held work's try and the server's close, is all a SIGTERM waits.
  setTimeout(() => {
    log.warn({ signal }, "shutdown did not finish within the drain bound: exiting");
    process.exit(1);
  }, settings.drainTimeoutMs + 10_000).unref();
  credentials.stop();
  // /readyz turns 503 and webhooks are answered 503 (GitHub can redeliver them) while the queue drains.
  log.info({ signal, queued: runtime.depth }, "draining: no new webhooks");
  const drained = await runtime.drain(settings.drainTimeoutMs);
  log.info(
    { drained, left: runtime.depth },
    drained
      ? "drained"
      : "drain bound reached; unfinished work goes back to the shared queue, or (one process) to reconcile",
  );
  await store?.close().catch((err: unknown) => log.warn({ err: errorForLog(err) }, "store close failed"));
  http.closeIdleConnections();
  metricsServer?.close();
  metricsServer?.closeAllConnections();
  const stopped = server
    .stop()
    .catch((err: unknown) => log.warn({ err: errorForLog(err) }, "server stop failed"));
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
