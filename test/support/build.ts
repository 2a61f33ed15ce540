// For tests that run the built code (dist/) as a process: build when dist/ is older than src/, one build at a
// time across test files (they run side by side, and a server must not start while another tsc rewrites dist/),
// and small helpers for talking to a local server.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";

export const ROOT = join(import.meta.dirname, "..", "..");
export const SERVER_MAIN = join(ROOT, "dist", "app", "main.js");
/** Entry points the process tests start: the server and the command line. */
const ENTRIES = [join(ROOT, "dist", "app", "main.js"), join(ROOT, "dist", "cli", "main.js")];
const LOCK = join(ROOT, "node_modules", ".cache", "readiness-build.lock");
const STALE_LOCK_MS = 300_000;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function fresh(): boolean {
  const newest = newestMtime(join(ROOT, "src"));
  return ENTRIES.every((f) => existsSync(f) && statSync(f).mtimeMs >= newest);
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Builds when dist/ is missing or older than src/; waits while another test file builds. */
export function buildIfNeeded(): void {
  if (fresh()) return;
  mkdirSync(join(LOCK, ".."), { recursive: true });
  const end = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const age = existsSync(LOCK) ? Date.now() - statSync(LOCK).mtimeMs : 0;
      if (age > STALE_LOCK_MS || Date.now() > end) rmSync(LOCK, { recursive: true, force: true });
      sleep(200);
    }
  }
  try {
    if (fresh()) return;
    const started = Date.now();
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
        { cwd: ROOT, stdio: "pipe" },
      );
    } catch (error) {
      // tsc still emits when another module has a type error (the typecheck step reports those): go on if it did.
      if (!ENTRIES.every((f) => existsSync(f) && statSync(f).mtimeMs >= started - 1000)) throw error;
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Polls `probe` every 50 ms until it returns something truthy, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Spawned {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote, stdout and stderr interleaved as received. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL if still running; resolves once it exited. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** Where the App finds GitHub: the stand-in's host, over http. */
  gh: { host: string };
  secret: string;
  appId: number;
  privateKey: string;
  /** More settings, or overrides of the defaults (LOG_LEVEL=info, LOG_FORMAT=json). */
  env?: Record<string, string>;
  port?: number;
}

/** `node dist/app/main.js` on 127.0.0.1 against the stand-in, resolved once it logged that it is ready. */
export async function spawnBuiltServer({
  gh,
  secret,
  appId,
  privateKey,
  env = {},
  port,
}: ServerOptions): Promise<Spawned> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, [SERVER_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: String(appId),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      HOST: "127.0.0.1",
      PORT: String(p),
      GITHUB_API_URL: `http://${gh.host}/api/v3`,
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  await until(
    "the server to listen",
    () => out.includes("readiness gate ready") || (child.exitCode !== null && "exited"),
    30_000,
  );
  if (child.exitCode !== null) throw new Error(`the server exited: ${out}`);
  return {
    child,
    port: p,
    url: `http://127.0.0.1:${p}`,
    output: () => out,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** POSTs a webhook signed with `secret` (or with `headers` overriding what a test wants wrong). */
export async function sendWebhook(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return fetch(`${url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": await sign(secret, body),
      ...headers,
    },
    body,
  });
}
