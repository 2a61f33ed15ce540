// Shared by the reliability tests: the App in-process against the GitHub stand-in (Probot's own Octokit with
// its retry and throttling plugins, their waits scaled down), the built server as its own process, signed
// webhooks over HTTP, and real payloads from @octokit/webhooks-examples. Everything listens on 127.0.0.1.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { type AppRuntime, createReadinessApp, type ReadinessAppOptions } from "../../src/app/index.js";
import {
  buildIfNeeded,
  freePort,
  ROOT,
  type Spawned,
  sendWebhook,
  spawnBuiltServer,
  until,
} from "../support/build.js";
import type { GitHubStandIn } from "../support/github-stand-in.js";
import { APP_KEYS } from "../support/payloads.js";

export { buildIfNeeded, freePort, ROOT, type Spawned, sendWebhook, until };

export const APP_ID = 4242;
export const INSTALLATION = 1;

export const KEYS = APP_KEYS;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** `node dist/app/main.js` for this App id and key, resolved once it logged that it is ready. */
export function spawnServer(
  gh: GitHubStandIn,
  secret: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<Spawned> {
  return spawnBuiltServer({
    gh,
    secret,
    appId: APP_ID,
    privateKey: KEYS.privateKey,
    env,
    ...(port ? { port } : {}),
  });
}
