// The database goes away under a running server (a restart, a failover) while webhooks keep coming. GitHub
// does not redeliver a webhook it got an error for, so each is taken (200) and held in the process; once the
// database answers again the held work is queued and evaluated: every pull request ends with its verdict.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullRequestPayload, sleep, until } from "../reliability/support.js";
import { type DatabaseRelay, databaseRelay, postgresForTests } from "../support/database.js";
import type { GitHubStandIn } from "../support/github-stand-in.js";
import { README_POLICY, Replicas, replicaStandIn } from "../support/replicas.js";

const onPostgres = await postgresForTests("database outage");
const REPO = { owner: "octo", name: "outage", id: 407 };
const BASE = "release/8.0";
/** Pull requests 1 and 2 have a README (GO), 3 has none (NO-GO). */
const PRS = [1, 2, 3];
const head = (pr: number) => `${pr}`.padStart(2, "0").padEnd(40, "d");
const conclusion = (pr: number) => (pr === 3 ? "failure" : "success");

describe.runIf(onPostgres)("the database away while webhooks come", () => {
  let gh: GitHubStandIn;
  let relay: DatabaseRelay;
  let replicas: Replicas;

  beforeAll(async () => {
    gh = await replicaStandIn([{ id: 1, account: REPO.owner }]);
    const files: Record<string, Record<string, string>> = {
      main: { ".readiness.yml": README_POLICY },
      [BASE]: { ".readiness.yml": README_POLICY },
    };
    for (const pr of PRS)
      files[head(pr)] = { ".readiness.yml": README_POLICY, ...(pr === 3 ? {} : { "README.md": "# ok\n" }) };
    gh.addRepo({
      ...REPO,
      defaultBranch: "main",
      files,
      pulls: PRS.map((number) => ({ number, base: BASE, head: `rel-${number}`, headSha: head(number) })),
    });
    relay = await databaseRelay();
    replicas = await Replicas.start({
      gh,
      count: 1,
      env: { DATABASE_URL: relay.url, DRAIN_TIMEOUT_SECONDS: "5" },
    });
  }, 240_000);

  afterAll(async () => {
    await replicas?.stop();
    await relay?.close();
    await gh?.stop();
  });

  it("webhooks are taken while it is away and evaluated once it is back", async () => {
    const [server] = replicas.alive();
    relay.cut();
    const statuses: number[] = [];
    for (const number of PRS)
      statuses.push(
        await replicas.send(
          "pull_request",
          pullRequestPayload(REPO, { number, base: BASE, headSha: head(number), head: `rel-${number}` }),
        ),
      );
    expect(statuses).toEqual([200, 200, 200]);
    expect(server!.output()).toContain("work is kept in this process until it does");
    await sleep(1_500);
    expect(gh.checkRuns.filter((r) => PRS.some((pr) => r.head_sha === head(pr)))).toEqual([]);

    relay.restore();
    const back = Date.now();
    await until(
      "every pull request's run completed",
      () => PRS.every((pr) => gh.checkRuns.some((r) => r.head_sha === head(pr) && r.status === "completed")),
      60_000,
    );
    console.log(`database outage: 3 webhooks held, all evaluated ${Date.now() - back} ms after it came back`);
    for (const pr of PRS)
      expect(gh.checkRuns.filter((r) => r.head_sha === head(pr)).at(-1)).toMatchObject({
        status: "completed",
        conclusion: conclusion(pr),
      });
    expect(server!.output()).toContain("work kept while the database was away is queued");
    expect(gh.checkRuns.filter((r) => r.status === "in_progress")).toEqual([]);
  }, 120_000);

  it("a database that hangs: a webhook is held within seconds; a SIGTERM then exits in bound and names what it drops", async () => {
    // The server's drain bound is DRAIN_TIMEOUT_SECONDS=5.
    const [server] = replicas.alive();
    relay.hang();
    const started = Date.now();
    const status = await replicas.send(
      "pull_request",
      pullRequestPayload(REPO, { number: 1, base: BASE, headSha: head(1), head: "rel-1" }, "reopened"),
    );
    const took = Date.now() - started;
    expect(status).toBe(200);
    // GitHub gives a delivery 10 s; the server gives the database 3 s of it.
    expect(took).toBeLessThan(7_000);
    const signalled = Date.now();
    server!.child.kill("SIGTERM");
    const code = await server!.exited;
    const exitedAfter = Date.now() - signalled;
    console.log(
      `database outage: a hung database, webhook answered in ${took} ms; SIGTERM → exit ${code} after ${exitedAfter} ms`,
    );
    expect(exitedAfter).toBeLessThan(5_000 + 10_000 + 3_000);
    expect(server!.output()).toMatch(/"deliveries":\["[0-9a-f-]{36}"\]/);
    expect(server!.output()).toContain("redeliver these deliveries");
    relay.restore();
  }, 120_000);
});
