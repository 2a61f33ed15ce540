// Shared by the reliability tests: the App in-process against the GitHub stand-in (Probot's own Octokit with
// its retry and throttling plugins, their waits scaled down), the built server as its own process, signed
// webhooks over HTTP, and real payloads from @octokit/webhooks-examples. Everything listens on 127.0.0.1.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { type AppRuntime, createReadinessApp, type ReadinessAppOptions } from "../../src/app/index.js";
import type { GitHubStandIn } from "../support/github-stand-in.js";

export const ROOT = join(import.meta.dirname, "..", "..");
export const MAIN = join(ROOT, "dist", "app", "main.js");
export const APP_ID = 4242;
export const INSTALLATION = 1;

export const KEYS = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  what: string,
  probe: () => T | undefined | false | null,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

// ------------------------------------------------------------------ payloads

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as {
  name: string;
  examples: Record<string, unknown>[];
}[];

// biome-ignore lint/suspicious/noExplicitAny: payloads are edited freely in tests.
export function example(event: string, action?: string): any {
  const list = examples.find((e) => e.name === event)?.examples ?? [];
  const chosen = list.find((p) => action === undefined || p.action === action);
  if (!chosen) throw new Error(`no example payload for ${event}.${action}`);
  const copy = structuredClone(chosen) as Record<string, unknown>;
  copy.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return copy;
}

export interface RepoRef {
  owner: string;
  name: string;
  id: number;
  defaultBranch?: string;
}

function repositoryOf(repo: RepoRef, base: Record<string, unknown>) {
  return {
    ...base,
    id: repo.id,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    default_branch: repo.defaultBranch ?? "main",
    owner: { ...(base.owner as object), login: repo.owner },
  };
}

/** A real pull_request payload for `action`, re-aimed at this repository, PR, base and head. */
export function pullRequestPayload(
  repo: RepoRef,
  pr: {
    number: number;
    base: string;
    headSha: string;
    head?: string;
    labels?: string[];
    /** As the stand-in's REST answers show it, so payload and REST describe the same pull request. */
    htmlUrl?: string;
    user?: string;
  },
  action = "synchronize",
) {
  const p = example("pull_request", action === "synchronize" ? "synchronize" : "opened");
  p.action = action;
  p.number = pr.number;
  p.repository = repositoryOf(repo, p.repository);
  Object.assign(p.pull_request, {
    number: pr.number,
    state: "open",
    draft: false,
    labels: (pr.labels ?? []).map((name, i) => ({ id: i + 1, name })),
    user: { ...p.pull_request.user, login: pr.user ?? "octocat" },
    ...(pr.htmlUrl ? { html_url: pr.htmlUrl } : {}),
  });
  p.pull_request.base = { ...p.pull_request.base, ref: pr.base, repo: p.repository };
  p.pull_request.head = {
    ...p.pull_request.head,
    ref: pr.head ?? `topic-${pr.number}`,
    sha: pr.headSha,
    repo: p.repository,
  };
  return p;
}

/** A real workflow_run.completed payload for a run of `workflow` on `sha`, listing the PRs it heads. */
export function workflowRunPayload(repo: RepoRef, run: { sha: string; prs: number[]; branch: string }) {
  const p = example("workflow_run", "completed");
  p.repository = repositoryOf(repo, p.repository);
  Object.assign(p.workflow_run, {
    head_sha: run.sha,
    head_branch: run.branch,
    event: "pull_request",
    status: "completed",
    conclusion: "success",
    path: ".github/workflows/ci.yml",
    repository: p.repository,
    head_repository: p.repository,
    pull_requests: run.prs.map((number) => ({
      number,
      id: number * 1000,
      head: { ref: run.branch, sha: run.sha, repo: { id: repo.id } },
      base: { ref: "main", sha: "0".repeat(40), repo: { id: repo.id } },
    })),
  });
  return p;
}

// ------------------------------------------------------------------ the App in-process

/** A Bottleneck group stand-in that does not pace: Octokit's throttling keeps its retry logic, not its waits. */
const unpaced = {
  key: () => ({
    schedule: (_options: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => fn(...args)),
  }),
};

export type ClientRetries =
  /** Probot's Octokit exactly as the server builds it: retries after 1, 4 and 9 s, writes one a second. */
  | "probot"
  /**
   * The same plugins and handlers, their waits in ms instead of s, and writes not spaced out: 5xx retried
   * three times; a secondary rate limit is not retried (Probot's server handler only logs it).
   */
  | "probot-fast"
  /** No retries at all: every fault reaches the App. */
  | "off";

export interface InProcess {
  probot: Probot;
  runtime: AppRuntime;
  receive(name: string, payload: unknown, id?: string): Promise<void>;
}

/**
 * The real App (createReadinessApp, its queue, service, GitHub provider and publishers) in a Probot aimed at
 * the stand-in, with Probot's Octokit as the server builds it ("probot"), or with its waits scaled down
 * ("probot-fast": a "second" of backoff or retry-after lasts a millisecond, writes are not spaced by the
 * throttling plugin's one-per-second groups), or with no retries at all ("off").
 */
export async function inProcessApp(
  gh: GitHubStandIn,
  options: ReadinessAppOptions & {
    retries: ClientRetries;
    logLevel?: string;
    /** Receives every log line (JSON) instead of stdout. */
    logLines?: Record<string, unknown>[];
  },
): Promise<InProcess> {
  const { retries, logLevel, logLines, ...appOptions } = options;
  const level = logLevel ?? process.env.TEST_LOG ?? "silent";
  const log = logLines
    ? pino(
        { level },
        {
          write(line: string) {
            logLines.push(JSON.parse(line) as Record<string, unknown>);
          },
        },
      )
    : pino({ level });
  const probot = new Probot({
    appId: APP_ID,
    privateKey: KEYS.privateKey,
    baseUrl: gh.baseUrl,
    log,
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
      ...o,
      ...(retries === "probot"
        ? {}
        : retries === "off"
          ? { retry: { enabled: false }, throttle: { enabled: false } }
          : {
              retry: { retryAfterBaseValue: 1 },
              throttle: {
                ...(o.throttle as object),
                retryAfterBaseValue: 1,
                global: unpaced,
                auth: unpaced,
                write: unpaced,
                notifications: unpaced,
                search: unpaced,
              },
            }),
    })),
  });
  const { app, runtime } = createReadinessApp(appOptions);
  await probot.load(app, { cwd: process.cwd(), addHandler: () => {} });
  let n = 0;
  return {
    probot,
    runtime,
    async receive(name, payload, id = `delivery-${++n}-${randomUUID()}`) {
      // biome-ignore lint/suspicious/noExplicitAny: the event name is checked by Probot at runtime.
      await probot.receive({ id, name, payload } as any);
    },
  };
}

// ------------------------------------------------------------------ the built server as its own process

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/ (as test/app/e2e.test.ts does). */
export function buildIfNeeded(): void {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      { cwd: ROOT, stdio: "pipe" },
    );
  } catch (error) {
    // tsc still emits when another module has a type error (the typecheck step reports those): go on if it did.
    if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < Date.now() - 600_000) throw error;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
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

/** `node dist/app/main.js` with these settings, resolved once it logged that it is ready. */
export async function spawnServer(
  gh: GitHubStandIn,
  secret: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<Spawned> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: String(APP_ID),
      PRIVATE_KEY: KEYS.privateKey,
      WEBHOOK_SECRET: secret,
      HOST: "127.0.0.1",
      PORT: String(p),
      GHE_HOST: gh.host,
      GHE_PROTOCOL: "http",
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
