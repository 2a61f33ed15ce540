// For tests that run the built code (dist/) as a process: build when dist/ is older than src/, one build at a
// time across test files (they run side by side, and a server must not start while another tsc rewrites dist/),
// and small helpers for talking to a local server.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
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
