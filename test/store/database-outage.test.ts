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
    replicas = await Replicas.start({ gh, count: 1, env: { DATABASE_URL: relay.url } });
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
});
