// The servers under test, each its own process on 127.0.0.1: the built App (`node dist/app/main.js`, as
// `npm start` runs it) pointed at the stand-in through GHE_HOST, and a bare Probot app that does nothing
// (./bare-probot.ts: same Probot, webhook path, secret and logger). Also: signed webhooks, /metrics, and
// memory from /proc/<pid>/status.
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import pg from "pg";
import { ROOT, sleep } from "./common.js";
import { APP_ID } from "./world.js";

export const WEBHOOK_PATH = "/api/github/webhooks";
export const SECRET = `bench-${randomUUID()}`;

export const KEYS = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

export interface Running {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** Bytes the process wrote to stdout and stderr (its logs: read, counted, not kept). */
  logBytes(): number;
  /** Lines of output that match, kept only when `keep` matched them. */
  kept: string[];
  /** Peak resident set size so far (VmHWM), kB; null once the process is gone. */
  peakRssKb(): number | null;
  rssKb(): number | null;
  stop(): Promise<number | null>;
}

function status(pid: number, field: "VmHWM" | "VmRSS"): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function launch(
  name: string,
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  ready: string,
  keep?: RegExp,
): Promise<Running> {
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let bytes = 0;
  let head = "";
  const kept: string[] = [];
  let isReady = false;
  const onData = (c: Buffer) => {
    bytes += c.length;
    if (!isReady) {
      head += c.toString();
      if (head.includes(ready)) isReady = true;
    }
    if (keep) for (const line of c.toString().split("\n")) if (keep.test(line)) kept.push(line);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const end = Date.now() + 30_000;
  while (!isReady) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${head.slice(-2000)}`);
    if (Date.now() > end) throw new Error(`${name} did not start: ${head.slice(-2000)}`);
    await sleep(50);
  }
  const pid = child.pid!;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid,
    child,
    kept,
    logBytes: () => bytes,
    peakRssKb: () => status(pid, "VmHWM"),
    rssKb: () => status(pid, "VmRSS"),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function baseEnv(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    APP_ID: String(APP_ID),
    PRIVATE_KEY: KEYS.privateKey,
    WEBHOOK_SECRET: SECRET,
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    ...extra,
  };
}

/** `node dist/app/main.js` against the stand-in (`gheHost` is its host:port). */
export async function startApp(
  gheHost: string,
  options: { env?: NodeJS.ProcessEnv; keep?: RegExp; nodeArgs?: string[] } = {},
) {
  const main = join(ROOT, "dist/app/main.js");
  if (!existsSync(main)) throw new Error("dist/app/main.js is missing: npm run build");
  const port = await freePort();
  const env = baseEnv(port, { GHE_HOST: gheHost, GHE_PROTOCOL: "http", ...options.env });
  const argv = [...(options.nodeArgs ?? []), main];
  return launch("app", process.execPath, argv, env, port, "readiness gate ready", options.keep);
}

/** A Probot server whose app does nothing: the ceiling for webhook intake on this machine. */
export async function startBare() {
  const port = await freePort();
  const tsx = join(ROOT, "node_modules/tsx/dist/esm/index.mjs");
  return launch(
    "bare",
    process.execPath,
    ["--import", tsx, join(ROOT, "bench/support/bare-probot.ts")],
    baseEnv(port),
    port,
    "bare probot ready",
  );
}

// ------------------------------------------------------------------ webhooks

export interface Signed {
  event: string;
  body: string;
  signature: string;
}

export async function signed(event: string, payload: unknown): Promise<Signed> {
  const body = JSON.stringify(payload);
  return { event, body, signature: await sign(SECRET, body) };
}

export const webhookHeaders = (s: Signed, delivery: string): Record<string, string> => ({
  "content-type": "application/json",
  "user-agent": "GitHub-Hookshot/bench",
  "x-github-event": s.event,
  "x-github-delivery": delivery,
  "x-github-hook-id": "1",
  "x-github-hook-installation-target-id": String(APP_ID),
  "x-github-hook-installation-target-type": "integration",
  "x-hub-signature-256": s.signature,
});

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs one delivery; resolves with the status and the time until the response ended, in ms. */
export function deliver(
  url: string,
  s: Signed,
  delivery = randomUUID(),
): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = httpRequest(
      `${url}${WEBHOOK_PATH}`,
      {
        method: "POST",
        agent,
        headers: { ...webhookHeaders(s, delivery), "content-length": Buffer.byteLength(s.body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on("error", reject);
    req.end(s.body);
  });
}

export function closeAgent(): void {
  agent.destroy();
}

// ------------------------------------------------------------------ /metrics

/** Prometheus text → `name{labels}` → value (and bare `name` → value for unlabelled series). */
export async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Sum of a metric over all its label sets, optionally only those whose labels include `having`. */
export function total(metrics: Map<string, number>, name: string, having = ""): number {
  let n = 0;
  for (const [k, v] of metrics) {
    if ((k === name || k.startsWith(`${name}{`)) && k.includes(having)) n += v;
  }
  return n;
}

/** Waits until the App's queue is empty and nothing runs (two scrapes in a row), up to `timeoutMs`. */
export async function drained(url: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < end) {
    const m = await scrape(url);
    if (total(m, "readiness_queue_depth") === 0 && total(m, "readiness_queue_running") === 0) {
      if (++quiet >= 2) return true;
    } else quiet = 0;
    await sleep(250);
  }
  return false;
}

// ------------------------------------------------------------------ PostgreSQL

/** Drops the schemas a run of the App made (the store's and pg-boss's). */
export async function dropSchemas(url: string, schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await client.end();
  }
}
