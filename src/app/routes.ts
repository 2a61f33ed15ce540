// HTTP routes beside the webhook: liveness, readiness (503 while draining, or until GitHub accepted the App's
// credentials: ./startup-check.ts) and Prometheus metrics.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "./metrics.js";

export interface RouteState {
  readonly draining: boolean;
  /** Why the server is not ready yet (GitHub credentials not verified), or null. Not shown: it is in the log. */
  readonly notReady?: string | null;
  /** With a store: why the database does not answer now, or null when it does. */
  databaseProblem?(): Promise<string | null>;
}

/** Who may read /metrics here (METRICS_TOKEN, METRICS_PORT; docs/operations.md). */
export interface MetricsAccess {
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  token: string | null;
  /** False when /metrics is served on its own port instead (./metrics-server.ts): here it is a 404. */
  onThisPort: boolean;
}

export const OPEN_METRICS: MetricsAccess = { token: null, onThisPort: true };

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(value ?? "");
  return timingSafeEqual(digest(m?.[1] ?? ""), digest(token)) && m !== null;
}

/** Answers /metrics (true) or leaves the request alone (false). */
export async function serveMetrics(
  metrics: Metrics,
  access: MetricsAccess,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (access.token !== null && !bearerMatches(req.headers.authorization, access.token)) {
    res
      .writeHead(401, {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
        "www-authenticate": 'Bearer realm="metrics"',
      })
      .end("/metrics needs Authorization: Bearer <METRICS_TOKEN>\n");
    return;
  }
  const body = await metrics.registry.metrics();
  res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" }).end(body);
}

export function createRoutes(metrics: Metrics, state: RouteState, access: MetricsAccess = OPEN_METRICS) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res
        .writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
        .end("ok\n");
      return true;
    }
    if (path === "/readyz") {
      const problem = state.draining
        ? null
        : state.notReady
          ? "not ready: see the server's log"
          : ((await state.databaseProblem?.()) ?? null);
      const text = state.draining
        ? "draining\n"
        : !problem
          ? "ready\n"
          : state.notReady
            ? `${problem}\n`
            : `database unreachable: ${problem}\n`;
      res
        .writeHead(state.draining || problem ? 503 : 200, {
          "content-type": "text/plain; charset=utf-8",
          "cache-control": "no-store",
        })
        .end(text);
      return true;
    }
    if (path === "/metrics" && access.onThisPort) {
      await serveMetrics(metrics, access, req, res);
      return true;
    }
    return false;
  };
}
