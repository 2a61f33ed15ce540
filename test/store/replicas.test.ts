// Two built servers (`node dist/app/main.js`) on one PostgreSQL, behind no load balancer: webhooks are sent to
// either at random. A 50-event burst for one pull request costs at most two evaluations in total; a server
// SIGKILLed in the middle of an evaluation leaves no check run in progress: the other finishes its job after
// the lease (JOB_LEASE_SECONDS=10).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullRequestPayload, type Spawned, sleep, until } from "../reliability/support.js";
import { postgresForTests } from "../support/database.js";
import type { GitHubStandIn } from "../support/github-stand-in.js";
import { REPLICA_APP_ID as APP_ID, README_POLICY, Replicas, replicaStandIn } from "../support/replicas.js";

const onPostgres = await postgresForTests("replicas");
const OWNER = "octo";
const NAME = "replicas";
const REPO = { owner: OWNER, name: NAME, id: 404 };
const BASE = "release/4.0";
const head = (pr: number) => `${pr}`.padStart(2, "0").padEnd(40, "d");

describe.runIf(onPostgres)("two servers on one PostgreSQL", () => {
  let gh: GitHubStandIn;
  let replicas: Replicas;
  let slowTreeFor: string | null = null;

  beforeAll(async () => {
    gh = await replicaStandIn([{ id: 1, account: OWNER }]);
    gh.use(async (req) => {
      // The evaluation of one head hangs on its tree long enough for its server to be killed mid-job.
      if (slowTreeFor && req.path.includes(`/git/trees/${slowTreeFor}`)) {
        slowTreeFor = null;
        await sleep(8_000);
      }
      return undefined;
    });
    const files: Record<string, Record<string, string>> = {
      main: { ".readiness.yml": README_POLICY },
      [BASE]: { ".readiness.yml": README_POLICY },
    };
    for (const pr of [1, 2]) files[head(pr)] = { ".readiness.yml": README_POLICY, "README.md": "# ok\n" };
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files,
      pulls: [1, 2].map((number) => ({ number, base: BASE, head: `rel-${number}`, headSha: head(number) })),
    });
    replicas = await Replicas.start({
      gh,
      count: 2,
      env: { JOB_LEASE_SECONDS: "10", QUEUE_CONCURRENCY: "2" },
    });
  }, 240_000);

  afterAll(async () => {
    await replicas?.stop();
    await gh?.stop();
  });

  it("50 webhooks for one pull request spread over both servers: at most 2 evaluations in total", async () => {
    const answers: number[] = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await sleep(i * 10);
        // Fifty distinct deliveries (a body signed twice would be dropped as a replay by the intake).
        const payload = pullRequestPayload(REPO, { number: 1, base: BASE, headSha: head(1), head: "rel-1" });
        payload.pull_request.updated_at = new Date(Date.UTC(2026, 10, 20, 12, 0, i)).toISOString();
        return replicas.send("pull_request", payload);
      }),
    );
    expect(answers.filter((s) => s !== 200)).toEqual([]);
    await until(
      "the check run completed",
      () => gh.checkRuns.find((r) => r.head_sha === head(1) && r.status === "completed"),
      30_000,
    );
    await sleep(4_000); // a re-run, if any, has time to show
    const counted = await replicas.metric("readiness_evaluations_total", 'context="pull_request"');
    console.log(`replicas: 50 webhooks for one PR over 2 servers → ${counted} evaluations`);
    expect(counted).toBeGreaterThanOrEqual(1);
    expect(counted).toBeLessThanOrEqual(2);
    const runs = gh.checkRuns.filter((r) => r.head_sha === head(1));
    expect(runs.at(-1)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(gh.comments.filter((c) => c.issue === 1 && c.app_id === APP_ID)).toHaveLength(1);
  }, 90_000);

  it("a server SIGKILLed mid-evaluation: the other finishes the job, no check run stays in_progress", async () => {
    const [first, second] = replicas.alive() as [Spawned, Spawned];
    slowTreeFor = head(2);
    const payload = pullRequestPayload(REPO, { number: 2, base: BASE, headSha: head(2), head: "rel-2" });
    expect(await replicas.send("pull_request", payload, first)).toBe(200);
    // The job runs somewhere: whichever server took it is the one killed.
    await until("the evaluation began", () => slowTreeFor === null, 20_000);
    await until(
      "the run is in progress",
      () => gh.checkRuns.find((r) => r.head_sha === head(2) && r.status === "in_progress"),
      20_000,
    ).catch(() => undefined);
    // Whichever server took the job (its log shows the commit) is killed; the other must finish it.
    const holder = second.output().includes(head(2)) ? second : first;
    const survivor = holder === first ? second : first;
    const killedAt = Date.now();
    await replicas.kill(replicas.servers.indexOf(holder));
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
    // It logs the evaluation once the sticky comment, paced behind the run, is written too.
    await until(
      "the survivor's log names the commit it evaluated",
      () => survivor.output().includes(head(2)),
      15_000,
    );
  }, 90_000);
});
