// Shared set-up for the App's integration tests: a fresh Probot per test (its token cache must not leak
// between tests), real webhook payloads from @octokit/webhooks-examples, nock on api.github.com with every
// request checked against GitHub's OpenAPI description.
import { generateKeyPairSync } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import nock from "nock";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { type AppRuntime, createReadinessApp, type ReadinessAppOptions } from "../../src/app/index.js";
import { type RequestRecorder, recordRequests } from "../support/openapi.js";

export const APP_ID = 123;
export const INSTALLATION = 1;
export const API = "https://api.github.com";
export const NOW = new Date("2026-11-20T12:00:00Z");

export const { privateKey: PRIVATE_KEY, publicKey: PUBLIC_KEY } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as {
  name: string;
  examples: Record<string, unknown>[];
}[];

/**
 * A real example payload (deep copy) for `event` with `action`, given an installation (most examples carry
 * none). `pick` chooses among several examples of the same action.
 */
// biome-ignore lint/suspicious/noExplicitAny: payloads are edited freely in tests.
export function example(event: string, action?: string, pick = 0): any {
  const list = examples.find((e) => e.name === event)?.examples ?? [];
  const matching = list.filter((p) => action === undefined || p.action === action);
  const chosen = matching[pick];
  if (!chosen) throw new Error(`no example payload for ${event}.${action}`);
  const copy = structuredClone(chosen) as Record<string, unknown>;
  copy.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return copy;
}

export const RELEASE_POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"], labels: [release] }
gate:
  minScore: 80
checks:
  readme:
    title: README
    required: true
    file: { path: README.md }
  changelog:
    title: Changelog
    file: { path: CHANGELOG.md }
`;

export interface Harness {
  probot: Probot;
  runtime: AppRuntime;
  api: nock.Scope;
  recorder: RequestRecorder;
  routes: ((req: IncomingMessage, res: ServerResponse) => unknown)[];
  receive(name: string, payload: unknown, id?: string): Promise<void>;
  /** Receives, then waits until the queue is idle. */
  deliver(name: string, payload: unknown, id?: string): Promise<void>;
}

let deliveries = 0;

export async function setup(options: ReadinessAppOptions = {}): Promise<Harness> {
  nock.disableNetConnect();
  const probot = new Probot({
    appId: APP_ID,
    privateKey: PRIVATE_KEY,
    log: pino({ level: process.env.TEST_LOG ?? "silent" }),
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
      ...o,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  const { app, runtime } = createReadinessApp({ now: () => NOW, ...options });
  const routes: Harness["routes"] = [];
  await probot.load(app, { cwd: process.cwd(), addHandler: (h) => routes.push(h) });
  const api = nock(API);
  const recorder = recordRequests(api);
  const receive = async (name: string, payload: unknown, id = `delivery-${++deliveries}`) => {
    // biome-ignore lint/suspicious/noExplicitAny: the event name is checked by Probot at runtime.
    await probot.receive({ id, name, payload } as any);
  };
  return {
    probot,
    runtime,
    api,
    recorder,
    routes,
    receive,
    async deliver(name, payload, id) {
      await receive(name, payload, id);
      await runtime.idle();
    },
  };
}

/** Every request the test made must be a documented GitHub endpoint; nock is reset whatever happens. */
export function teardown(h: Harness | undefined): void {
  try {
    h?.recorder.assertAllKnown();
  } finally {
    h?.recorder.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  }
}

/** The installation token exchange (Probot caches the token per Probot instance). */
export function token(api: nock.Scope): nock.Scope {
  return api.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, {
    token: "ghs_test_token",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
  });
}

const RAW = { "content-type": "application/vnd.github.raw; charset=utf-8" };

/** The policy file lookup at `ref`: the text at the root, or 404 everywhere (repo and organisation). */
export function policy(api: nock.Scope, repo: string, ref: string, text: string | null): nock.Scope {
  const owner = repo.split("/")[0]!;
  if (text !== null) {
    return api.get(`/repos/${repo}/contents/.readiness.yml`).query({ ref }).reply(200, text, RAW);
  }
  api.get(`/repos/${repo}/contents/.readiness.yml`).query({ ref }).reply(404, { message: "Not Found" });
  api
    .get(`/repos/${repo}/contents/.github%2Freadiness.yml`)
    .query({ ref })
    .reply(404, { message: "Not Found" });
  api.get(`/repos/${owner}/.github/contents/.readiness.yml`).reply(404, { message: "Not Found" });
  return api
    .get(`/repos/${owner}/.github/contents/.github%2Freadiness.yml`)
    .reply(404, { message: "Not Found" });
}

/** A recursive tree of the commit with these files. */
/**
 * The commit's tree. It holds a `.readiness.yml` too (the policy file the tests serve with `policy()`), under
 * a made-up blob SHA: the App's look at the head's policy then reads the file, as the tests expect.
 */
export function tree(api: nock.Scope, repo: string, sha: string, files: string[]): nock.Scope {
  const all = files.includes(".readiness.yml") ? files : [...files, ".readiness.yml"];
  return api
    .get(`/repos/${repo}/git/trees/${sha}`)
    .query({ recursive: "1" })
    .reply(200, {
      sha,
      truncated: false,
      tree: all.map((path, i) => ({
        path,
        mode: "100644",
        type: "blob",
        sha: `${i}`.padStart(40, "a"),
        size: 1200,
      })),
    });
}

/** No check run of ours on the commit yet. */
export function noCheckRun(
  api: nock.Scope,
  repo: string,
  sha: string,
  name = "Production readiness",
): nock.Scope {
  return api
    .get(`/repos/${repo}/commits/${sha}/check-runs`)
    .query({ check_name: name, app_id: String(APP_ID), filter: "latest", per_page: "10" })
    .reply(200, { total_count: 0, check_runs: [] });
}

export function existingCheckRun(
  api: nock.Scope,
  repo: string,
  sha: string,
  run: { id: number; status?: string; conclusion?: string | null; external_id?: string },
  name = "Production readiness",
): nock.Scope {
  return api
    .get(`/repos/${repo}/commits/${sha}/check-runs`)
    .query({ check_name: name, app_id: String(APP_ID), filter: "latest", per_page: "10" })
    .reply(200, {
      total_count: 1,
      check_runs: [
        {
          id: run.id,
          name,
          head_sha: sha,
          status: run.status ?? "completed",
          conclusion: run.conclusion ?? "failure",
          external_id: run.external_id ?? "",
          html_url: `https://github.com/${repo}/runs/${run.id}`,
          app: { id: APP_ID },
        },
      ],
    });
}

/** Every latest run of this App on the commit (the listing without a name), e.g. under a custom checkName. */
export function appRuns(
  api: nock.Scope,
  repo: string,
  sha: string,
  runs: { id: number; name: string; conclusion: string | null }[] = [],
): nock.Scope {
  return api
    .get(`/repos/${repo}/commits/${sha}/check-runs`)
    .query({ app_id: String(APP_ID), filter: "latest", per_page: "100" })
    .reply(200, {
      total_count: runs.length,
      check_runs: runs.map((r) => ({
        ...r,
        head_sha: sha,
        status: "completed",
        external_id: "",
        html_url: `https://github.com/${repo}/runs/${r.id}`,
        app: { id: APP_ID },
      })),
    });
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are asserted loosely.
export type Body = Record<string, any>;

/** Captures the bodies of the App's check-run writes: creation, then updates. */
/** Order of the writes recorded by checkRunWrites and commentWrites (`_seq`, `seq`), across both. */
let writeSeq = 0;

export function checkRunWrites(api: nock.Scope, repo: string, id = 77): Body[] {
  const bodies: Body[] = [];
  api
    .post(`/repos/${repo}/check-runs`, (b) => {
      bodies.push({ ...b, _method: "POST", _seq: ++writeSeq });
      return true;
    })
    .optionally()
    .times(10)
    .reply(201, (_uri, body) => ({
      id,
      status: (body as { status?: string }).status,
      html_url: `https://github.com/${repo}/runs/${id}`,
    }));
  api
    .patch(`/repos/${repo}/check-runs/${id}`, (b) => {
      bodies.push({ ...b, _method: "PATCH", _seq: ++writeSeq });
      return true;
    })
    .optionally()
    .times(10)
    .reply(200, (_uri, body) => ({
      id,
      status: (body as { status?: string }).status ?? "completed",
      html_url: `https://github.com/${repo}/runs/${id}`,
    }));
  return bodies;
}

/** Comments on an issue or PR: what the ledger and the sticky comment read. */
export function comments(api: nock.Scope, repo: string, number: number, list: unknown[] = []): nock.Scope {
  return api
    .get(`/repos/${repo}/issues/${number}/comments`)
    .query(true)
    .times(5)
    .optionally()
    .reply(200, list);
}

export function commentWrites(
  api: nock.Scope,
  repo: string,
  number: number,
): { method: string; body: string; seq: number }[] {
  const writes: { method: string; body: string; seq: number }[] = [];
  api
    .post(`/repos/${repo}/issues/${number}/comments`, (b) => {
      writes.push({ method: "POST", body: b.body, seq: ++writeSeq });
      return true;
    })
    .optionally()
    // A slash command's reply and the sticky comment are both created on the pull request.
    .times(5)
    .reply(201, { id: 9001 });
  api
    .patch(/\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+/, (b) => {
      writes.push({ method: "PATCH", body: b.body, seq: ++writeSeq });
      return true;
    })
    .optionally()
    .reply(200, { id: 9001 });
  return writes;
}
