// The Probot app: wiring only. Webhooks become jobs (./handlers), jobs wait in a bounded queue (./queue),
// the service evaluates and publishes (./service, ./targets), routes answer health and metrics (./routes).
import type { EmitterWebhookEventName } from "@octokit/webhooks";
import type { ApplicationFunction, ApplicationFunctionOptions, Logger, Probot } from "probot";
import type { Report } from "../engine/types.js";
import { errorForLog } from "../evidence/github/failure.js";
import { HistoryMemory } from "../evidence/github/history.js";
import { DEFAULT_LIMITS, GitHubEvidence } from "../evidence/github/provider.js";
import { deadline } from "../evidence/github/reader.js";
import type { EvidenceProvider } from "../evidence/types.js";
import { type AnyEventHandler, handlers } from "./handlers/index.js";
import { type Job, jobKey, jobSha, mergeJobs, repoName, urgentJob } from "./jobs.js";
import { createMetrics, type Metrics } from "./metrics.js";
import type { AppOctokit } from "./octokit.js";
import { type PushResult, RecentIds, WorkQueue } from "./queue.js";
import { listRepositories, type ReconcileOptions, type ReconcileSummary, reconcile } from "./reconcile.js";
import { EvaluationService, type EvidenceFactoryArgs } from "./service.js";
import { Spool } from "./spool.js";
import { DEFAULT_SWEEP_BUDGET, SWEEP_LOCK, type SweepSummary, sweep, sweepBudget } from "./sweep.js";
import { Waiters } from "./waiters.js";

export type ReconcileScope = Partial<Pick<ReconcileOptions, "installationId" | "repository" | "dryRun">>;

import { type CommitLocksOptions, SharedCommitLocks } from "../store/commit-locks.js";
import type { DashboardQueries } from "../store/dashboard-types.js";
import { StoreGates } from "../store/gates.js";
import { SharedQueue, type SharedQueueOptions } from "../store/job-queue.js";
import type { Store } from "../store/store.js";
import { WritePace } from "../store/write-pace.js";
import { ACCESS_LIMITS } from "./dashboard/github.js";
import { createDashboardRoutes, dashboardOff } from "./dashboard/routes.js";
import type { DashboardSettings } from "./dashboard/settings.js";
import { createEtagLayer, type EtagLayer } from "./etag.js";
import { createRoutes, type MetricsAccess } from "./routes.js";

export interface ReadinessAppOptions {
  now?: () => Date;
  metrics?: Metrics;
  concurrency?: number;
  maxQueued?: number;
  /** Delivery ids remembered to drop duplicates. */
  rememberDeliveries?: number;
  reconcileIntervalMinutes?: number | null;
  /** The evidence provider per evaluation; GitHub REST by default. */
  evidence?: (args: EvidenceFactoryArgs) => EvidenceProvider;
  /** Bound on each GitHub request of an installation, retries included (GITHUB_TIMEOUT_MS); 30 s by default. */
  requestTimeoutMs?: number;
  /** Who may read /metrics on the webhook port (METRICS_TOKEN, METRICS_PORT); open by default. */
  metricsAccess?: MetricsAccess;
  /** Why /readyz should answer 503 besides draining (the start-up check), or null. */
  notReady?: () => string | null;
  /**
   * The store (src/store): delivery dedupe, deployment gates and the verdict history kept across restarts
   * and shared by replicas. Absent: all of it lives in the process, as before.
   */
  store?: Store;
  /** With DATABASE_URL: the queue shared by every replica (pg-boss); absent: the in-process queue. */
  sharedQueue?: Omit<SharedQueueOptions<Job>, "sql" | "worker" | "concurrency" | "maxQueued" | "merge">;
  /**
   * With DATABASE_URL: evaluations of one commit are serialised across replicas by an advisory lock
   * (src/store/commit-locks.ts); absent: in this process only.
   */
  commitLocks?: Omit<CommitLocksOptions, "concurrency">;
  /** How often pending deployment gates are looked at again (store only); 60 s by default. */
  gateSweepSeconds?: number;
  /** Verdicts older than this many days are pruned from the store's history (HISTORY_RETENTION_DAYS); 400. */
  historyRetentionDays?: number;
  /** The dashboard and its API (docs/dashboard.md): sign-in settings and the queries over the verdict history. */
  dashboard?: { settings: DashboardSettings; queries: DashboardQueries };
  /** false: no sweep of the store's gates and no pruning (`readiness reconcile`, which looks at GitHub's list). */
  sweepGates?: boolean;
  /**
   * Every N minutes, every repository's default branch is evaluated for the dashboard (./sweep.ts; store only,
   * one replica at a time); null or absent: off.
   */
  sweepIntervalMinutes?: number | null;
  /** Requests per installation per sweep (SWEEP_REQUEST_BUDGET); cut by sweepBudget to the hourly ceiling. */
  sweepRequestBudget?: number;
}

/** What the App's queue offers, in the process (./queue.ts) or shared (src/store/job-queue.ts). */
interface AppQueue {
  push(key: string, job: Job): Promise<PushResult>;
  readonly depth: number;
  idle(): Promise<void>;
  drain(timeoutMs: number): Promise<boolean>;
}

export interface AppRuntime {
  readonly metrics: Metrics;
  /** True once draining began: webhooks are refused with 503 and /readyz says so. */
  readonly draining: boolean;
  /** This App's id, known once the app function has run. */
  readonly appId: number | undefined;
  readonly waiters: Waiters;
  /** Jobs queued or parked. */
  readonly depth: number;
  /** With a store: why its database does not answer now (null when it does); /readyz turns 503 then. */
  databaseProblem(): Promise<string | null>;
  /** Resolves when no job is queued or running. */
  idle(): Promise<void>;
  /** Stops taking webhooks and waits up to `timeoutMs` for the queue; true when it emptied in time. */
  drain(timeoutMs: number): Promise<boolean>;
  /** One reconcile pass through every installation (or those `only` names), queueing what it finds. */
  reconcileNow(only?: ReconcileScope): Promise<ReconcileSummary>;
  /** One sweep (./sweep.ts) of every installation, or `only` one; null when another replica is sweeping. */
  sweepNow(only?: { installationId?: number }): Promise<SweepSummary | null>;
}

class Unavailable extends Error {
  readonly status = 503;
}

/** How long after start the first sweep runs (the probes and the first webhooks go first). */
const FIRST_SWEEP_DELAY_MS = 30_000;

export function createReadinessApp(options: ReadinessAppOptions = {}): {
  app: ApplicationFunction;
  runtime: AppRuntime;
} {
  const metrics = options.metrics ?? createMetrics();
  const now = options.now ?? (() => new Date());
  const waiters = new Waiters();
  const seen = new RecentIds(options.rememberDeliveries ?? 10_000);
  // Every installation Octokit goes through the ETag cache, which also counts requests for /metrics, and
  // under a deadline per request.
  const etag: EtagLayer = createEtagLayer(metrics);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_LIMITS.timeoutMs;
  // Replicas on PostgreSQL share one write pace per installation; one process has Probot's throttle for that.
  const pace = options.store?.engine === "postgres" ? new WritePace(options.store.sql) : null;
  const installationClient = (octokit: AppOctokit, id: number): AppOctokit =>
    withDeadline(pace ? withWritePace(etag.wrap(octokit, id), pace, id) : etag.wrap(octokit, id), timeoutMs);
  let draining = false;
  let appId: number | undefined;
  let probot: Probot | undefined;
  let service: EvaluationService | undefined;
  let timer: NodeJS.Timeout | undefined;

  // Last-change dates carried from one evaluated commit to the next: a push re-reads only changed paths.
  const history = new HistoryMemory();
  const evidence =
    options.evidence ??
    ((a: EvidenceFactoryArgs): EvidenceProvider =>
      new GitHubEvidence({
        octokit: a.octokit as unknown as ConstructorParameters<typeof GitHubEvidence>[0]["octokit"],
        owner: a.owner,
        repo: a.repo,
        sha: a.sha,
        log: a.log,
        history,
        limits: { timeoutMs },
        appId,
        // The evaluation's clock: freshness windows are cut from the time the engine judges ages at.
        now,
      }));

  const work = async (job: Job) => {
    if (!probot || !service) throw new Error("the app is not loaded");
    const log = jobLog(probot.log, job);
    const octokit = installationClient(
      (await probot.auth(job.installationId)) as AppOctokit,
      job.installationId,
    );
    await service.run(job, octokit, log);
  };
  const local = new WorkQueue<Job>(work, {
    concurrency: options.concurrency ?? 4,
    maxQueued: options.maxQueued ?? 500,
    merge: mergeJobs,
    urgent: urgentJob,
    onChange: ({ queued, running }) => {
      metrics.queueDepth.set(queued);
      metrics.queueRunning.set(running);
    },
    onError: (error, key) => probot?.log.error({ err: errorForLog(error), job: key }, "job failed"),
  });
  let queue: AppQueue = {
    push: async (key, job) => local.push(key, job),
    get depth() {
      return local.depth;
    },
    idle: () => local.idle(),
    drain: (ms) => local.drain(ms),
  };
  const store = options.store;
  const timers: NodeJS.Timeout[] = [];

  const pushed = async (job: Job): Promise<boolean> => {
    const result = await queue.push(jobKey(job), job);
    if (result === "coalesced" || result === "rerun") metrics.queueCoalesced.inc();
    if (result === "rejected") {
      metrics.queueRejected.inc();
      return false;
    }
    return true;
  };
  // With the shared queue: work that comes while its database does not answer waits here (./spool.ts).
  let spool: Spool<Job> | undefined;
  const enqueue = async (job: Job, databaseAway = false): Promise<boolean> => {
    if (!spool) return pushed(job);
    try {
      // A database that does not answer (a partition) must not hold the webhook past GitHub's 10 s; the push
      // may still land late, and the held copy then coalesces with it.
      if (databaseAway) throw new Error("the database did not answer this webhook's delivery check");
      return await within(pushed(job), INTAKE_WAIT_MS);
    } catch (error) {
      if (draining) throw error;
      if (!spool.hold(jobKey(job), job)) {
        probot?.log.error(
          { held: spool.size, job: jobKey(job) },
          "the database does not answer and the work held in this process is at QUEUE_MAX: refused (500)",
        );
        throw error;
      }
      if (spool.size === 1)
        probot?.log.warn(
          { err: errorForLog(error) },
          "the database does not answer: work is kept in this process until it does",
        );
      return true;
    }
  };

  /** Deployments held until a workflow on `job`'s commit finished, as jobs (a store that does not answer: none). */
  const deploymentsWaitingOn = async (job: Extract<Job, { type: "commit" }>): Promise<Job[]> => {
    const held = waiters.take(job.owner, job.repo, job.sha, (w) => w.type === "deployment");
    const stored = store
      ? await within(store.pendingGatesOn(job.owner, job.repo, job.sha), INTAKE_WAIT_MS).then(
          (gates) => gates.map((g) => g.job as Job),
          () => [],
        )
      : [];
    return [...held, ...stored].map((w) => ({ ...w, deliveries: job.deliveries, reason: job.reason }));
  };

  const runtime: AppRuntime = {
    metrics,
    get draining() {
      return draining;
    },
    get appId() {
      return appId;
    },
    waiters,
    get depth() {
      return queue.depth;
    },
    idle: () => queue.idle(),
    async drain(timeoutMs: number) {
      draining = true;
      if (timer) clearInterval(timer);
      for (const t of timers) clearInterval(t);
      let lost = 0;
      if (spool?.size) {
        // Held work is offered to the queue for a few seconds (a database coming back); the rest is named, so
        // an operator can redeliver it from the App's Recent Deliveries.
        const held = spool;
        const until = Date.now() + Math.min(5_000, timeoutMs / 2);
        while (held.size > 0 && Date.now() < until) {
          await Promise.race([
            held.flush(),
            new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()))),
          ]);
          if (held.size > 0)
            await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, until - Date.now()))));
        }
        held.stop();
        lost = held.size;
        if (held.size)
          probot?.log.error(
            {
              lost: held.size,
              jobs: held.items().map(jobKey),
              deliveries: held.items().flatMap((j) => j.deliveries),
            },
            "work kept while the database was away ends with this process: redeliver these deliveries (the App's Recent Deliveries); a reconcile pass finds pull requests without a run",
          );
      }
      return (await queue.drain(timeoutMs)) && lost === 0;
    },
    async databaseProblem() {
      if (!store) return null;
      const problem = await pingWithin(store, 2_000);
      metrics.databaseUp.set(problem ? 0 : 1);
      return problem;
    },
    async reconcileNow(only: ReconcileScope = {}) {
      if (!probot || appId === undefined) throw new Error("the app is not loaded");
      const p = probot;
      return reconcile({
        ...only,
        appOctokit: (await p.auth()) as AppOctokit,
        installationOctokit: async (id) => installationClient((await p.auth(id)) as AppOctokit, id),
        appId,
        now,
        log: p.log.child({ name: "reconcile" }),
        ...(store
          ? {
              gate: async (g: { owner: string; repo: string; runId: number; environment: string }) => {
                const row = await store.gate(g.owner, g.repo, g.runId, g.environment);
                if (!row || row.state === "expired") return null;
                return {
                  answered: row.state === "approved" || row.state === "rejected",
                  job: row.job as Job,
                };
              },
            }
          : {}),
        submit: (job) => {
          void enqueue(job).catch((error) =>
            p.log.error({ err: errorForLog(error), job: jobKey(job) }, "reconcile could not queue a job"),
          );
        },
      });
    },
    async sweepNow(only = {}) {
      if (!probot || appId === undefined) throw new Error("the app is not loaded");
      if (!store) throw new Error("the sweep records into the store: set DATABASE_URL or DATA_DIR");
      const p = probot;
      const s = store;
      const budget = sweepBudget(
        options.sweepRequestBudget ?? DEFAULT_SWEEP_BUDGET,
        options.sweepIntervalMinutes ?? 60,
      );
      const done = await s.sql.whileLocked(SWEEP_LOCK, async () =>
        sweep({
          ...only,
          appOctokit: (await p.auth()) as AppOctokit,
          installationOctokit: async (id) => installationClient((await p.auth(id)) as AppOctokit, id),
          store: s,
          evidence,
          now,
          log: p.log.child({ name: "sweep" }),
          budget,
        }),
      );
      return done.ran ? done.value : null;
    },
  };

  const app: ApplicationFunction = async (instance: Probot, { addHandler }: ApplicationFunctionOptions) => {
    probot = instance;
    // The App's id without a request: the JWT authentication knows it.
    const appAuth = (await (await instance.auth()).auth({ type: "app" })) as { appId: number };
    appId = Number(appAuth.appId);
    const id = appId;
    // A recorded report's row id, until its check run is written (reports are dropped with their evaluation).
    const recording = new WeakMap<Report, Promise<number | null>>();
    const locks =
      options.commitLocks && store
        ? new SharedCommitLocks({ ...options.commitLocks, concurrency: options.concurrency ?? 4 })
        : undefined;
    service = new EvaluationService({
      appId: id,
      ...(locks ? { locks } : {}),
      now,
      metrics,
      waiters,
      evidence,
      ...(store
        ? {
            gates: new StoreGates(store),
            evaluated: (report, at) => {
              const t = report.target;
              if (!t.repository || !t.sha || t.context === "local") return;
              const id = store
                .recordVerdict({
                  repository: t.repository,
                  targetKind: t.context,
                  ...(t.pullRequest !== undefined ? { targetNumber: t.pullRequest } : {}),
                  ...(t.environment ? { environment: t.environment } : {}),
                  sha: t.sha,
                  report,
                  ...at,
                })
                .catch((error: unknown) => {
                  instance.log.warn({ err: errorForLog(error) }, "verdict not written to the history");
                  return null;
                });
              recording.set(report, id);
            },
            // The run is written after the evaluation was recorded: its link follows.
            published: (report, url) => {
              void recording
                .get(report)
                ?.then((id) => (id === null ? undefined : store.linkCheckRun(id, url)))
                .catch((error: unknown) =>
                  instance.log.warn({ err: errorForLog(error) }, "check run link not written to the history"),
                );
            },
          }
        : {}),
      enqueue: (job) => {
        enqueue(job)
          .then((ok) => {
            if (!ok)
              instance.log.warn({ job: jobKey(job) }, "follow-up work refused: queue full or draining");
          })
          .catch((error: unknown) =>
            instance.log.error({ err: errorForLog(error), job: jobKey(job) }, "follow-up work not queued"),
          );
      },
    });

    if (options.sharedQueue && store) {
      const shared = await SharedQueue.start<Job>({
        ...options.sharedQueue,
        sql: store.sql,
        worker: work,
        concurrency: options.concurrency ?? 4,
        maxQueued: options.maxQueued ?? 500,
        merge: mergeJobs,
        urgent: urgentJob,
        onError: (error, key) => instance.log.error({ err: errorForLog(error), job: key }, "job failed"),
        onEvent: (event) => {
          if (event === "retry") metrics.queueRetries.inc();
          if (event === "lease-expired") metrics.queueLeaseExpiries.inc();
        },
      });
      queue = shared;
      spool = new Spool<Job>({
        push: (_key, job) => pushed(job),
        merge: mergeJobs,
        max: options.maxQueued ?? 500,
        retryMs: 2_000,
        onChange: (held) => metrics.queueHeld.set(held),
        onFlushed: (count) =>
          instance.log.info(
            { count, left: spool?.size ?? 0 },
            "work kept while the database was away is queued",
          ),
      });
      timers.push(
        setInterval(() => {
          shared
            .stats()
            .then(({ depth, oldestSeconds }) => {
              metrics.queueDepth.set(depth);
              metrics.queueOldestSeconds.set(oldestSeconds);
              metrics.queueRunning.set(shared.active);
            })
            .catch(() => {});
        }, 5_000),
      );
    }
    if (store && options.sweepGates !== false) {
      // Gates waiting when a replica stopped, or whose workflow completed while nobody listened, are evaluated
      // again: at start (all of them) and then those not looked at for five minutes.
      const sweep = async (staleSeconds: number) => {
        for (const gate of await store.staleGates(staleSeconds, 200)) {
          const job = gate.job as Job;
          await enqueue({ ...job, reason: "gate sweep" });
        }
        await store.expireGates(30);
        metrics.gatesPending.set(await store.countGates("pending"));
      };
      const sweepLogged = (staleSeconds: number) =>
        sweep(staleSeconds).catch((error: unknown) =>
          instance.log.warn({ err: errorForLog(error) }, "deployment gate sweep failed"),
        );
      void sweepLogged(0);
      timers.push(setInterval(() => void sweepLogged(300), (options.gateSweepSeconds ?? 60) * 1000));
      // Delivery ids and verdicts past their retention: at start, then hourly (every replica; deletes are idempotent).
      const prune = async () => {
        await store.pruneDeliveries(7);
        const pruned = await store.pruneVerdicts(options.historyRetentionDays ?? 400);
        if (pruned > 0) instance.log.info({ pruned }, "verdict history pruned");
      };
      const pruneLogged = () =>
        prune().catch((error: unknown) =>
          instance.log.warn({ err: errorForLog(error) }, "store pruning failed"),
        );
      void pruneLogged();
      timers.push(setInterval(() => void pruneLogged(), 3600_000));
      for (const t of timers) t.unref();
    }

    instance.onAny(async (context) => {
      const action = (context.payload as { action?: string }).action ?? "";
      metrics.webhooks.inc({ event: context.name, action });
      if (draining) throw new Unavailable("shutting down: not taking webhooks");
    });

    const accept =
      (handler: AnyEventHandler) => async (context: { id: string; name: string; payload: unknown }) => {
        if (draining) throw new Unavailable("shutting down: not taking webhooks");
        // With a store every replica sees the ids the others took (a redelivery may reach any of them). While
        // its database does not answer, this replica's own memory of ids stands in and the work is held.
        const claimed = store
          ? await (spool
              ? within(store.claimDelivery(context.id), INTAKE_WAIT_MS)
              : store.claimDelivery(context.id)
            ).catch((error: unknown) => {
              if (!spool) throw error;
              return null;
            })
          : !seen.has(context.id);
        const fresh = claimed === null ? !seen.has(context.id) : claimed;
        if (!fresh) {
          metrics.duplicateDeliveries.inc();
          instance.log.info({ deliveryId: context.id, event: context.name }, "duplicate delivery ignored");
          return;
        }
        const jobs = handler.jobs(context, { appId: id });
        // A finished workflow: the deployments waiting on its commit go ahead of the queue now, not after its
        // fan-out, which waits its turn behind the evaluations already queued.
        for (const job of [...jobs])
          if (job.type === "commit" && claimed !== null) jobs.push(...(await deploymentsWaitingOn(job)));
        for (const job of jobs) {
          // Refused work answers 503, so GitHub's delivery log shows it and it can be redelivered.
          if (!(await enqueue(job, claimed === null))) {
            await store?.releaseDelivery(context.id).catch(() => {});
            throw new Unavailable("evaluation queue is full");
          }
        }
        if (!store || claimed === null) seen.add(context.id);
        const first = jobs[0];
        instance.log.info(
          {
            deliveryId: context.id,
            event: context.name,
            ...(first ? { repository: repoName(first), sha: jobSha(first) } : {}),
            jobs: jobs.map(jobKey),
          },
          jobs.length ? "webhook accepted" : "webhook ignored",
        );
      };
    for (const handler of handlers) {
      instance.on(handler.events as EmitterWebhookEventName[], accept(handler));
    }

    const state = {
      get draining() {
        return runtime.draining;
      },
      get notReady() {
        return options.notReady?.() ?? null;
      },
      databaseProblem: () => runtime.databaseProblem(),
    };
    addHandler(createRoutes(metrics, state, options.metricsAccess));
    addHandler(
      options.dashboard
        ? createDashboardRoutes({
            ...options.dashboard,
            appId: () => appId,
            now,
            log: instance.log.child({ name: "dashboard" }),
            installationRepositories: async (installationId) => {
              const octokit = installationClient(
                (await instance.auth(installationId)) as AppOctokit,
                installationId,
              );
              const repos = await listRepositories(octokit, ACCESS_LIMITS.maxRepositoryPages);
              return {
                repositories: repos.map((r) => `${r.owner}/${r.name}`),
                installations: [{ id: installationId, account: repos[0]?.owner ?? "" }],
                truncated: repos.length >= ACCESS_LIMITS.maxRepositoryPages * ACCESS_LIMITS.perPage,
              };
            },
          })
        : dashboardOff(),
    );

    const sweepMinutes = options.sweepIntervalMinutes;
    if (sweepMinutes && sweepMinutes > 0) {
      if (!store) instance.log.warn("SWEEP_INTERVAL_MINUTES is set but there is no store: no sweep");
      else {
        const sweepOnce = () => {
          if (draining) return;
          runtime.sweepNow().catch((error) => {
            instance.log.error({ err: errorForLog(error) }, "sweep failed");
          });
        };
        // The first soon after start, not a whole interval later: the dashboard has something to show.
        const first = setTimeout(sweepOnce, FIRST_SWEEP_DELAY_MS);
        first.unref();
        const t = setInterval(sweepOnce, sweepMinutes * 60_000);
        t.unref();
        timers.push(first, t);
      }
    }

    const minutes = options.reconcileIntervalMinutes;
    if (minutes && minutes > 0) {
      timer = setInterval(() => {
        runtime.reconcileNow().catch((error) => {
          instance.log.error({ err: errorForLog(error) }, "reconcile failed");
        });
      }, minutes * 60_000);
      timer.unref();
    }
  };

  return { app, runtime };
}

/** Why the database does not answer within `ms`, or null when it does. */
async function pingWithin(store: Store, ms: number): Promise<string | null> {
  try {
    await within(store.ping(), ms);
    return null;
  } catch (error) {
    return ((error as Error).message || String(error)).split("\n")[0]!.slice(0, 200);
  }
}

/** `work`, or a rejection once `ms` passed without its answer (the work itself goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a webhook waits on the database before its work is held in the process instead. */
const INTAKE_WAIT_MS = 3_000;

const DEADLINE = Symbol.for("readiness.deadline");

/**
 * Gives every request of this Octokit a deadline of `ms` from the moment it goes out (each attempt, after
 * any wait in Probot's throttling queue), also for its body. A connection GitHub never answers then fails
 * the evaluation closed instead of holding a queue slot; the caller's own signal (the evidence reader's)
 * still applies. The deadline's error is named AbortError, which Octokit's retry plugin does not retry.
 */
const PACED = Symbol("paced");
const WRITES = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/**
 * Each write waits for its installation's slot at the moment it is sent: in the fetch, after Probot's own
 * throttle has let it go (a comment held in Probot's queue would otherwise keep a slot taken long before). The
 * request's deadline starts after the wait. A store that does not answer leaves Probot's own pace only.
 */
function withWritePace(octokit: AppOctokit, pace: WritePace, installationId: number): AppOctokit {
  const marked = octokit as AppOctokit & { [PACED]?: boolean };
  if (marked[PACED]) return octokit;
  marked[PACED] = true;
  octokit.hook.wrap("request", (request, options) => {
    // GraphQL queries are POSTs that write nothing.
    if (WRITES.has(options.method) && options.url !== "/graphql") {
      const o = options as { request?: { fetch?: typeof fetch } };
      const inner = o.request?.fetch ?? globalThis.fetch;
      const paced: typeof fetch = async (input, init) => {
        const wait = await pace.reserve(installationId).catch(() => 0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return inner(input, init);
      };
      o.request = { ...o.request, fetch: paced };
    }
    return request(options);
  });
  return octokit;
}

function withDeadline(octokit: AppOctokit, ms: number): AppOctokit {
  const marked = octokit as AppOctokit & { [DEADLINE]?: boolean };
  if (marked[DEADLINE]) return octokit;
  marked[DEADLINE] = true;
  octokit.hook.wrap("request", (request, options) => {
    // before-after-hook hands the same options object to inner hooks: set the fetch on it.
    const o = options as { request?: { fetch?: typeof fetch } };
    const inner = o.request?.fetch ?? globalThis.fetch;
    const timed: typeof fetch = (input, init) => {
      // Not cleared when the headers arrive: the body is read afterwards, and aborting a finished
      // response does nothing.
      const { signal } = deadline(ms);
      return inner(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
      });
    };
    o.request = { ...o.request, fetch: timed };
    return request(options);
  });
  return octokit;
}

function jobLog(log: Logger, job: Job): Logger {
  const sha = jobSha(job);
  return log.child({
    deliveryId: job.deliveries[job.deliveries.length - 1],
    ...(job.deliveries.length > 1 ? { deliveries: job.deliveries } : {}),
    repository: repoName(job),
    ...(sha ? { sha } : {}),
    installation: job.installationId,
    job: job.type,
    reason: job.reason,
  });
}

/** For `probot run dist/app/index.js`; the server entry (main.ts) builds its own to drain on SIGTERM. */
const readinessApp: ApplicationFunction = (app, options) => createReadinessApp().app(app, options);
export default readinessApp;
