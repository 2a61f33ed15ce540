// SIGTERM on one of two servers sharing a PostgreSQL queue: the server stops taking webhooks (503) and jobs,
// finishes the evaluation it is running within DRAIN_TIMEOUT_SECONDS, exits 0; what was still queued stays in
// PostgreSQL and the other server runs it. Every pull request ends with its completed result, none in_progress.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullRequestPayload, type Spawned, sendWebhook, sleep, until } from "../reliability/support.js";
import { postgresForTests } from "../support/database.js";
import type { GitHubStandIn } from "../support/github-stand-in.js";
import { README_POLICY, Replicas, replicaStandIn } from "../support/replicas.js";

const onPostgres = await postgresForTests("drain shared");
const OWNER = "octo";
const NAME = "drain";
const REPO = { owner: OWNER, name: NAME, id: 406 };
const BASE = "release/6.0";
const PRS = [1, 2, 3, 4, 5];
const head = (pr: number) => `${pr}`.padStart(2, "0").padEnd(40, "e");

describe.runIf(onPostgres)("SIGTERM on one of two servers sharing the queue", () => {
  let gh: GitHubStandIn;
  let replicas: Replicas;
  let treeReads = 0;

  beforeAll(async () => {
    gh = await replicaStandIn([{ id: 1, account: OWNER }]);
    gh.use(async (req) => {
      // Every evaluation reads its head's tree slowly: SIGTERM lands while the servers are busy.
      if (req.path.includes("/git/trees/")) {
        treeReads++;
        await sleep(2_000);
      }
      return undefined;
    });
    const files: Record<string, Record<string, string>> = {
      main: { ".readiness.yml": README_POLICY },
      [BASE]: { ".readiness.yml": README_POLICY },
    };
    for (const pr of PRS) files[head(pr)] = { ".readiness.yml": README_POLICY, "README.md": "# ok\n" };
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files,
      pulls: PRS.map((number) => ({ number, base: BASE, head: `rel-${number}`, headSha: head(number) })),
    });
    replicas = await Replicas.start({
      gh,
      count: 2,
      env: { QUEUE_CONCURRENCY: "1", DRAIN_TIMEOUT_SECONDS: "20" },
    });
  }, 240_000);

  afterAll(async () => {
    await replicas?.stop();
    await gh?.stop();
  });

  it("the stopped server finishes its run and exits 0; the other runs what was queued", async () => {
    const [leaving, staying] = replicas.alive() as [Spawned, Spawned];
    let sent = 0;
    const send = (server: Spawned, number: number) => {
      const payload = pullRequestPayload(REPO, {
        number,
        base: BASE,
        headSha: head(number),
        head: `rel-${number}`,
      });
      // A distinct body each time: the intake answers a replayed signed body 200 without looking further.
      payload.pull_request.updated_at = new Date(Date.UTC(2026, 10, 20, 12, 0, sent++)).toISOString();
      // Straight to `server` (no retry elsewhere): the answer of the one draining is what is asserted.
      return sendWebhook(server.url, replicas.secret, "pull_request", payload);
    };
    for (const pr of PRS) expect((await send(leaving, pr)).status).toBe(200);
    // Both servers are in an evaluation (one job each); three wait in PostgreSQL.
    await until("both servers evaluating", () => treeReads >= 2, 20_000);
    const signalled = Date.now();
    leaving.child.kill("SIGTERM");
    await until("draining", () => leaving.output().includes("draining: no new webhooks"), 5_000);
    const refused = await send(leaving, 1).then(
      (r) => r.status,
      () => 0,
    );
    const code = await leaving.exited;
    const took = Date.now() - signalled;
    const evaluatedBy = (s: Spawned) => s.output().split('"pull request evaluated"').length - 1;
    // An evaluation is logged once its sticky comment, paced behind the run, is written too.
    await until(
      "every pull request's run completed and its evaluation logged",
      () =>
        PRS.every((pr) => gh.checkRuns.some((r) => r.head_sha === head(pr) && r.status === "completed")) &&
        evaluatedBy(leaving) + evaluatedBy(staying) >= PRS.length,
      60_000,
    );
    console.log(
      `drain shared: SIGTERM → exit ${code} after ${took} ms; webhook while draining → ${refused}; evaluations: leaving ${evaluatedBy(leaving)}, staying ${evaluatedBy(staying)}`,
    );
    expect(code).toBe(0);
    // 503 while draining, or the connection refused once the listener closed: never taken.
    expect([503, 0]).toContain(refused);
    expect(leaving.output()).toMatch(/"drained":true/);
    expect(took).toBeLessThan(20_000);
    expect(evaluatedBy(leaving), "the run in progress at SIGTERM was finished").toBeGreaterThanOrEqual(1);
    expect(evaluatedBy(staying), "the queued work went to the other server").toBeGreaterThanOrEqual(
      PRS.length - evaluatedBy(leaving),
    );
    expect(gh.checkRuns.filter((r) => r.status === "in_progress")).toEqual([]);
    for (const pr of PRS)
      expect(gh.checkRuns.filter((r) => r.head_sha === head(pr)).at(-1)).toMatchObject({
        status: "completed",
        conclusion: "success",
      });
  }, 120_000);
});
