// HTTP routes beside the webhook: liveness, readiness (503 while draining) and Prometheus metrics.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "./metrics.js";

export interface RouteState {
  readonly draining: boolean;
}

export function createRoutes(metrics: Metrics, state: RouteState) {
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
      const code = state.draining ? 503 : 200;
      res
        .writeHead(code, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
        .end(state.draining ? "draining\n" : "ready\n");
      return true;
    }
    if (path === "/metrics") {
      const body = await metrics.registry.metrics();
      res
        .writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" })
        .end(body);
      return true;
    }
    return false;
  };
}
