// Two built servers (`node dist/app/main.js`) on one PostgreSQL, behind no load balancer: webhooks are sent to
// either at random. A 50-event burst for one pull request costs at most two evaluations in total; a server
// SIGKILLed in the middle of an evaluation leaves no check run in progress: the other finishes its job after
// the lease (JOB_LEASE_SECONDS=10).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const onPostgres = await postgresForTests("replicas");
const SECRET = `replicas-${randomUUID()}`;
const OWNER = "octo";
const NAME = "replicas";
const REPO = { owner: OWNER, name: NAME, id: 404 };
const BASE = "release/4.0";
const POLICY = `version: 1
applies:
  pullRequests: { branches: ["release/**"] }
gate:
  minScore: 80
checks:
  readme:
    required: true
    file: { path: README.md }
`;
const head = (pr: number) => `${pr}`.padStart(2, "0").padEnd(40, "d");

/** Sum of readiness_evaluations_total{context="pull_request"} on a server (0 when it is gone). */
async function evaluations(server: Spawned): Promise<number> {
  const text = await fetch(`${server.url}/metrics`).then(
    (r) => r.text(),
    () => "",
  );
  let n = 0;
  for (const line of text.split("\n"))
    if (line.startsWith("readiness_evaluations_total{") && line.includes('context="pull_request"'))
      n += Number(line.split(" ").at(-1));
  return n;
}

describe.runIf(onPostgres)("two servers on one PostgreSQL", () => {
  let gh: GitHubStandIn;
  const servers: Spawned[] = [];
  const schema = uniqueSchema("replicas");
  let slowTreeFor: string | null = null;

  beforeAll(async () => {
    buildIfNeeded();
    gh = await new GitHubStandIn({
      appId: APP_ID,
      publicKey: KEYS.publicKey,
      installations: [{ id: INSTALLATION, account: OWNER }],
    }).start();
    gh.use(async (req) => {
      // The evaluation of one head hangs on its tree long enough for its server to be killed mid-job.
      if (slowTreeFor && req.path.includes(`/git/trees/${slowTreeFor}`)) {
        slowTreeFor = null;
        await sleep(8_000);
      }
      return undefined;
    });
    const files: Record<string, Record<string, string>> = {
      main: { ".readiness.yml": POLICY },
      [BASE]: { ".readiness.yml": POLICY },
    };
    for (const pr of [1, 2]) files[head(pr)] = { ".readiness.yml": POLICY, "README.md": "# ok\n" };
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files,
      pulls: [1, 2].map((number) => ({ number, base: BASE, head: `rel-${number}`, headSha: head(number) })),
    });
    const env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      JOB_LEASE_SECONDS: "10",
      QUEUE_CONCURRENCY: "2",
    };
    // Started one after the other (migrations under the lock either way), then both serve.
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

  it("50 webhooks for one pull request spread over both servers: at most 2 evaluations in total", async () => {
    const answers: number[] = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await sleep(i * 10);
        // Fifty distinct deliveries (a body signed twice would be dropped as a replay by the intake).
        const payload = pullRequestPayload(REPO, { number: 1, base: BASE, headSha: head(1), head: "rel-1" });
        payload.pull_request.updated_at = new Date(Date.UTC(2026, 10, 20, 12, 0, i)).toISOString();
        const res = await sendWebhook(
          servers[Math.floor(Math.random() * 2)]!.url,
          SECRET,
          "pull_request",
          payload,
        );
        return res.status;
      }),
    );
    expect(answers.filter((s) => s !== 200)).toEqual([]);
    await until(
      "the check run completed",
      () => gh.checkRuns.find((r) => r.head_sha === head(1) && r.status === "completed"),
      30_000,
    );
    await sleep(4_000); // a re-run, if any, has time to show
    const counted = (await evaluations(servers[0]!)) + (await evaluations(servers[1]!));
    console.log(
      `replicas: 50 webhooks for one PR over 2 servers → ${counted} evaluations; per server ${await evaluations(servers[0]!)} + ${await evaluations(servers[1]!)}`,
    );
    expect(counted).toBeGreaterThanOrEqual(1);
    expect(counted).toBeLessThanOrEqual(2);
    const runs = gh.checkRuns.filter((r) => r.head_sha === head(1));
    expect(runs.at(-1)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(gh.comments.filter((c) => c.issue === 1 && c.app_id === APP_ID)).toHaveLength(1);
  }, 90_000);

  it("a server SIGKILLed mid-evaluation: the other finishes the job, no check run stays in_progress", async () => {
    const victim = servers[0]!;
    slowTreeFor = head(2);
    const payload = pullRequestPayload(REPO, { number: 2, base: BASE, headSha: head(2), head: "rel-2" });
    expect((await sendWebhook(victim.url, SECRET, "pull_request", payload)).status).toBe(200);
    // The job runs somewhere: whichever server took it is the one killed.
    await until("the evaluation began", () => slowTreeFor === null, 20_000);
    await until(
      "the run is in progress",
      () => gh.checkRuns.find((r) => r.head_sha === head(2) && r.status === "in_progress"),
      20_000,
    ).catch(() => undefined);
    const taken = [servers[0]!, servers[1]!];
    // Kill both? No: kill the one whose log shows the job; the other must finish it.
    const holder = taken.find((s) => s.output().includes(head(2))) ?? victim;
    const survivor = taken.find((s) => s !== holder)!;
    const killedAt = Date.now();
    await holder.kill();
    await until(
      "the survivor completed the run",
      () => gh.checkRuns.find((r) => r.head_sha === head(2) && r.status === "completed"),
      45_000,
    );
    console.log(
      `replicas: job of a SIGKILLed server completed by the other after ${Date.now() - killedAt} ms (lease 10 s)`,
    );
    const seen = JSON.stringify(gh.checkRuns.map((r) => [r.head_sha.slice(0, 4), r.status, r.conclusion]));
    expect(
      gh.checkRuns.filter((r) => r.status === "in_progress"),
      seen,
    ).toEqual([]);
    expect(gh.checkRuns.filter((r) => r.head_sha === head(2)).at(-1)).toMatchObject({
      conclusion: "success",
    });
    expect(survivor.output(), "the survivor's log names the commit it evaluated").toContain(head(2));
  }, 90_000);
});
