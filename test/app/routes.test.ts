// GET /healthz, /readyz and /metrics, and what draining (SIGTERM) does to them and to webhooks.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { example, type Harness, setup, teardown } from "./harness.js";

async function serve(h: Harness): Promise<{ server: Server; url: string }> {
  nock.enableNetConnect("127.0.0.1");
  const server = createServer(async (req, res) => {
    for (const route of h.routes) if (await route(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("routes", () => {
  let h: Harness | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    const current = h;
    h = undefined;
    teardown(current);
  });

  it("healthz is alive, readyz ready until draining, then 503; webhooks are refused with 503 while draining", async () => {
    h = await setup();
    const s = await serve(h);
    server = s.server;
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);

    expect(await h.runtime.drain(1000)).toBe(true);

    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toBe("draining\n");
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const payload = example("pull_request", "opened", 1);
    await expect(h.receive("pull_request", payload)).rejects.toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining({ status: 503 })]),
    });
    expect(h.recorder.requests).toHaveLength(0);
  });

  it("metrics: Prometheus text with webhooks by event, evaluations, duration, GitHub requests, queue depth", async () => {
    h = await setup();
    const s = await serve(h);
    server = s.server;
    await h.deliver("push", example("push", undefined, 4));
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('readiness_webhooks_total{event="push",action=""} 1');
    for (const name of [
      "readiness_evaluations_total",
      "readiness_evaluation_duration_seconds",
      "readiness_github_requests_total",
      "readiness_github_cache_hits_total",
      "readiness_github_rate_limit_remaining",
      "readiness_queue_depth 0",
      "readiness_webhook_duplicates_total",
    ])
      expect(text).toContain(name);
  });

  it("other paths are left to the next handler", async () => {
    h = await setup();
    const s = await serve(h);
    server = s.server;
    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
  });
});
