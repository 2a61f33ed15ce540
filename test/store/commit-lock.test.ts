// Two built servers on one PostgreSQL, two pull requests with one head commit: the run on that commit carries
// both verdicts, so its evaluations must run one after the other on whichever replicas take them (the
// per-commit advisory lock, src/store/commit-locks.ts). Each server runs one job at a time and the first
// evaluation is slow, so the second pull request's job is taken by the other server: without the lock across
// replicas both evaluations read the commit at once and their check-run writes interleave.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommitLockTimeout, SharedCommitLocks } from "../../src/store/commit-locks.js";
import {
  APP_ID,
  buildIfNeeded,
  INSTALLATION,
  KEYS,
  pullRequestPayload,
  type Spawned,
  sendWebhook,
  sleep,
  spawnServer,
  until,
} from "../reliability/support.js";
import { dropSchema, postgresForTests, TEST_DATABASE_URL, uniqueSchema } from "../support/database.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { README_POLICY } from "../support/replicas.js";

const onPostgres = await postgresForTests("commit-lock");
const SECRET = `commit-lock-${randomUUID()}`;
const OWNER = "octo";
const NAME = "shared-head";
const REPO = { owner: OWNER, name: NAME, id: 405 };
const BASE = "release/5.0";
const SHARED = "5".repeat(40);

/** readiness_evaluations_total{context="pull_request"} of one server. */
async function evaluations(server: Spawned): Promise<number> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  let n = 0;
  for (const line of text.split("\n"))
    if (line.startsWith("readiness_evaluations_total{") && line.includes('context="pull_request"'))
      n += Number(line.split(" ").at(-1));
  return n;
}

describe.runIf(onPostgres)("one commit, two pull requests, two servers", () => {
  let gh: GitHubStandIn;
  const servers: Spawned[] = [];
  const schema = uniqueSchema("commitlock");
  /** What each evaluation did to the shared commit, by the installation token (one per server). */
  const events: { who: string; what: "read" | "write"; at: number; end?: number }[] = [];

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: OWNER }],
    }).start();
    gh.use(async (req) => {
      const who = String(req.headers.authorization ?? "");
      if (req.path.includes(`/git/trees/${SHARED}`)) {
        // Every read of the commit's tree is slow: two evaluations not held apart would overlap here.
        events.push({ who, what: "read", at: Date.now() });
        await sleep(2_500);
      }
      if (req.path.includes("/check-runs") && req.method !== "GET") {
        const event = { who, what: "write" as const, at: Date.now() };
        events.push(event);
        await sleep(300);
        (event as { end?: number }).end = Date.now();
      }
      return undefined;
    });
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": README_POLICY },
        [BASE]: { ".readiness.yml": README_POLICY },
        [SHARED]: { ".readiness.yml": README_POLICY, "README.md": "# ok\n" },
      },
      pulls: [1, 2].map((number) => ({ number, base: BASE, head: `rel-${number}`, headSha: SHARED })),
    });
    const env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      QUEUE_CONCURRENCY: "1",
    };
    servers.push(...(await Promise.all([spawnServer(gh, SECRET, env), spawnServer(gh, SECRET, env)])));
  }, 240_000);

  afterAll(async () => {
    for (const s of servers) await s.kill();
    await gh?.stop();
    if (onPostgres) {
      await dropSchema(schema);
      await dropSchema(`${schema}_boss`);
    }
  });

  it("the two evaluations run on both servers, one after the other: their reads and writes never interleave", async () => {
    const send = (server: Spawned, number: number) =>
      sendWebhook(
        server.url,
        SECRET,
        "pull_request",
        pullRequestPayload(REPO, { number, base: BASE, headSha: SHARED, head: `rel-${number}` }),
      );
    expect((await send(servers[0]!, 1)).status).toBe(200);
    // The first evaluation is reading the commit: its server's one slot is taken, so the next job goes elsewhere.
    await until("the first evaluation began", () => events.length > 0, 20_000);
    expect((await send(servers[1]!, 2)).status).toBe(200);
    const counts = [0, 0];
    for (const end = Date.now() + 40_000; counts.some((n) => n < 1) && Date.now() < end; await sleep(200))
      for (const i of [0, 1]) counts[i] = await evaluations(servers[i]!);
    expect(counts, "each server evaluated one pull request").toEqual([1, 1]);
    await sleep(1_500); // a last write, if any, lands
    const who = [...new Set(events.map((e) => e.who))];
    const trace = events.map((e) => `${who.indexOf(e.who)}${e.what[0]}@${e.at - events[0]!.at}`).join(" ");
    console.log(`commit-lock: ${trace}`);
    expect(who, "both servers read the commit").toHaveLength(2);
    // Each server's span: its first read of the commit to the end of its last check-run write.
    const spans = who.map((w) => {
      const mine = events.filter((e) => e.who === w);
      return {
        from: mine[0]!.at,
        to: Math.max(...mine.map((e) => e.end ?? e.at)),
        writes: mine.filter((e) => e.what === "write").length,
      };
    });
    for (const s of spans) expect(s.writes, trace).toBeGreaterThanOrEqual(1);
    const [a, b] = spans.sort((x, y) => x.from - y.from);
    expect(b!.from, `the second evaluation starts after the first wrote: ${trace}`).toBeGreaterThanOrEqual(
      a!.to,
    );
    // The run on the commit ends with both pull requests' verdict, once.
    const runs = gh.checkRuns.filter((r) => r.head_sha === SHARED);
    expect(runs.at(-1)).toMatchObject({ status: "completed", conclusion: "success" });
  }, 90_000);
});

describe.runIf(onPostgres)("the per-commit lock on PostgreSQL", () => {
  it("holds one commit across two replicas' locks, lets other commits pass, and gives up after its wait", async () => {
    const schema = uniqueSchema("locks");
    const options = { connectionString: TEST_DATABASE_URL, schema, concurrency: 2, waitMs: 800 };
    const [a, b] = [new SharedCommitLocks(options), new SharedCommitLocks(options)];
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const first = a.run("octo/x@1", () => held);
      await until("the first replica holds the lock", () => a.held === 1, 5_000);
      // Another commit is not held up; the same commit waits, then fails so the queue retries it.
      await expect(b.run("octo/x@2", async () => "other")).resolves.toBe("other");
      const started = Date.now();
      await expect(b.run("octo/x@1", async () => "same")).rejects.toBeInstanceOf(CommitLockTimeout);
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
      release();
      await first;
      await expect(b.run("octo/x@1", async () => "after")).resolves.toBe("after");
    } finally {
      await a.close();
      await b.close();
    }
  }, 20_000);
});
