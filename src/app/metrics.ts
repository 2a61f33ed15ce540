// Prometheus metrics. One registry per App instance, so tests (a fresh Probot each) never share counters.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Cumulative GitHub request counters, read when /metrics is scraped (see ./etag.ts). */
export interface GitHubCounters {
  /** HTTP status ("200", "304", "404"), "cache-hit" (no request needed) or "network-error". */
  byStatus: Record<string, number>;
  /** 304 answers plus answers served from the cache without a request. */
  cacheHits: number;
  /** Latest x-ratelimit-remaining per installation id. */
  rateLimitRemaining: Record<string, number>;
}

export interface Metrics {
  registry: Registry;
  webhooks: Counter<"event" | "action">;
  duplicateDeliveries: Counter;
  webhooksRefused: Counter;
  evaluations: Counter<"context" | "verdict">;
  evaluationSeconds: Histogram<"context">;
  githubRequests: Counter<"status">;
  githubCacheHits: Counter;
  /** Per installation when /metrics is protected; else one unlabelled series, the lowest of them. */
  rateLimitRemaining: Gauge<string>;
  /** Where the GitHub counters come from; set by the ETag layer. */
  github: { source: (() => GitHubCounters) | null };
  queueDepth: Gauge;
  queueRunning: Gauge;
  /** Work this replica holds while the shared queue's database does not answer (./spool.ts). */
  queueHeld: Gauge;
  queueCoalesced: Counter;
  queueRejected: Counter;
  /** Age of the oldest waiting work item, seconds (shared queue: over all replicas). */
  queueOldestSeconds: Gauge;
  /** Jobs this replica took again after a failed attempt (shared queue). */
  queueRetries: Counter;
  /** Jobs this replica took over after another's lease ran out (a replica died mid-run). */
  queueLeaseExpiries: Counter;
  /** Deployment gates waiting for a workflow (store). */
  gatesPending: Gauge;
  /** Deployment gates this replica approved or rejected (a decision sent to GitHub, once per gate). */
  gatesAnswered: Counter<"state">;
  /** 1 while the database answers, 0 when it does not (with a store). */
  databaseUp: Gauge;
}

export interface MetricsOptions {
  /** Node process metrics. */
  defaults?: boolean;
  /**
   * Series labelled with installation ids (which accounts use the App): only when /metrics is protected
   * by METRICS_TOKEN or METRICS_PORT. Off by default: an open /metrics must not list customers.
   */
  perInstallation?: boolean;
}

export function createMetrics({ defaults = false, perInstallation = false }: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: "readiness_" });
  const registers = [registry];
  const github: Metrics["github"] = { source: null };
  // Counters only go up: each scrape adds what the cumulative source gained since the previous one.
  const seenStatus = new Map<string, number>();
  let seenHits = 0;
  return {
    github,
    registry,
    webhooks: new Counter({
      name: "readiness_webhooks_total",
      help: "Webhook deliveries received, by event and action.",
      labelNames: ["event", "action"],
      registers,
    }),
    duplicateDeliveries: new Counter({
      name: "readiness_webhook_duplicates_total",
      help: "Deliveries ignored because their X-GitHub-Delivery id, or their signed body, was already processed.",
      registers,
    }),
    webhooksRefused: new Counter({
      name: "readiness_webhooks_refused_total",
      help: "Deliveries refused before Probot saw them (no signature, too large, too many bytes in flight, slow, forged), by status.",
      labelNames: ["status"],
      registers,
    }),
    evaluations: new Counter({
      name: "readiness_evaluations_total",
      help: "Evaluations finished, by context and verdict (go, no-go, pending, invalid-policy, error).",
      labelNames: ["context", "verdict"],
      registers,
    }),
    evaluationSeconds: new Histogram({
      name: "readiness_evaluation_duration_seconds",
      help: "Time from picking a target up to publishing its result.",
      labelNames: ["context"],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    }),
    githubRequests: new Counter({
      name: "readiness_github_requests_total",
      help: "GitHub REST requests by outcome: HTTP status, cache-hit (served without a request) or network-error.",
      labelNames: ["status"],
      registers,
      collect() {
        const src = github.source?.();
        if (!src) return;
        for (const [status, total] of Object.entries(src.byStatus)) {
          const delta = total - (seenStatus.get(status) ?? 0);
          if (delta > 0) this.inc({ status }, delta);
          seenStatus.set(status, total);
        }
      },
    }),
    githubCacheHits: new Counter({
      name: "readiness_github_cache_hits_total",
      help: "Requests answered from the ETag cache: 304 Not Modified (free of rate limit) or content-addressed.",
      registers,
      collect() {
        const src = github.source?.();
        if (!src) return;
        if (src.cacheHits > seenHits) this.inc(src.cacheHits - seenHits);
        seenHits = src.cacheHits;
      },
    }),
    rateLimitRemaining: new Gauge({
      name: "readiness_github_rate_limit_remaining",
      help: perInstallation
        ? "x-ratelimit-remaining of the latest GitHub answer, per installation."
        : "x-ratelimit-remaining of the latest GitHub answer, lowest over all installations (per installation with METRICS_TOKEN or METRICS_PORT).",
      labelNames: perInstallation ? ["installation"] : [],
      registers,
      collect() {
        const src = github.source?.();
        if (!src) return;
        const entries = Object.entries(src.rateLimitRemaining);
        if (perInstallation) for (const [installation, n] of entries) this.set({ installation }, n);
        else if (entries.length > 0) this.set(Math.min(...entries.map(([, n]) => n)));
      },
    }),
    queueDepth: new Gauge({
      name: "readiness_queue_depth",
      help: "Evaluations waiting (keys) in the queue: in-process, or with DATABASE_URL the shared one.",
      registers,
    }),
    queueRunning: new Gauge({
      name: "readiness_queue_running",
      help: "Evaluations running now.",
      registers,
    }),
    queueHeld: new Gauge({
      name: "readiness_queue_held",
      help: "Work this replica keeps in memory while the database does not answer, handed to the queue once it does.",
      registers,
    }),
    queueCoalesced: new Counter({
      name: "readiness_queue_coalesced_total",
      help: "Work items folded into one already queued or running for the same target.",
      registers,
    }),
    queueRejected: new Counter({
      name: "readiness_queue_rejected_total",
      help: "Work items refused because the queue was full or the server was draining.",
      registers,
    }),
    queueOldestSeconds: new Gauge({
      name: "readiness_queue_oldest_seconds",
      help: "Age of the oldest waiting work item in seconds (with DATABASE_URL: over all replicas).",
      registers,
    }),
    queueRetries: new Counter({
      name: "readiness_queue_retries_total",
      help: "Jobs this replica ran again after a failed attempt (DATABASE_URL).",
      registers,
    }),
    queueLeaseExpiries: new Counter({
      name: "readiness_queue_lease_expiries_total",
      help: "Jobs this replica took over after their lease ran out on another (a replica died mid-run).",
      registers,
    }),
    gatesPending: new Gauge({
      name: "readiness_deployment_gates_pending",
      help: "Deployment gates waiting for a workflow before they are answered.",
      registers,
    }),
    gatesAnswered: new Counter({
      name: "readiness_deployment_gates_answered_total",
      help: "Deployment gates this replica answered, by decision (approved, rejected); a gate another replica answered is not counted again.",
      labelNames: ["state"],
      registers,
    }),
    databaseUp: new Gauge({
      name: "readiness_database_up",
      help: "1 while the store's database answers, 0 when it does not.",
      registers,
    }),
  };
}
