// The built server, restarted (SIGKILL) while a deployment gate waits for a workflow: the next server answers
// it at start, exactly once, in both modes: PostgreSQL (DATABASE_URL) and the embedded store (DATA_DIR).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { sleep, until } from "../reliability/support.js";
import { postgresForTests } from "../support/database.js";
import type { GitHubStandIn } from "../support/github-stand-in.js";
import { deploymentGatePayload, repositoryPayload } from "../support/payloads.js";
import { Replicas, replicaStandIn } from "../support/replicas.js";

const onPostgres = await postgresForTests("gate restart");
const OWNER = "octo";
const POLICY = `version: 1
applies:
  environments: [production]
gate:
  minScore: 80
checks:
  readme:
    required: true
    file: { path: README.md }
  ci:
    required: true
    workflow: { file: ci.yml }
`;

const modes = [...(onPostgres ? [{ mode: "postgres", id: 701 }] : []), { mode: "embedded", id: 702 }];

describe.each(modes)("a deployment gate across a restart ($mode)", ({ mode, id }) => {
  let gh: GitHubStandIn;
  let replicas: Replicas | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "readiness-gates-"));
  const name = `deploy-${mode}`;
  const sha = `${id}`.padEnd(40, "c");

  beforeAll(async () => {
    // PGlite's first start in a new directory runs initdb (seconds, more on a busy machine: docs/operations.md);
    // done here so the server's start stays within the harness's bound. Restarts are what this test is about.
    if (mode === "embedded") await (await Store.open({ dataDir })).close();
    gh = await replicaStandIn([{ id: 1, account: OWNER }]);
    gh.addRepo({
      owner: OWNER,
      name,
      id,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": POLICY },
        [sha]: { ".readiness.yml": POLICY, "README.md": "# ok\n" },
      },
      runs: [
        {
          name: "CI",
          path: ".github/workflows/ci.yml",
          headSha: sha,
          branch: "main",
          event: "push",
          status: "in_progress",
          conclusion: null,
        },
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await replicas?.stop();
    await gh?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("pending, the server is killed, CI passes meanwhile: the next server approves it once", async () => {
    replicas = await Replicas.start({ gh, count: 1, store: mode === "postgres" ? "postgres" : { dataDir } });
    let server = replicas.servers[0]!;
    const payload = deploymentGatePayload(gh.baseUrl, repositoryPayload(OWNER, name, id), {
      environment: "production",
      sha,
      runId: 9000 + id,
    });
    expect(await replicas.send("deployment_protection_rule", payload)).toBe(200);
    const status = await until(
      "a status comment",
      () => gh.gateAnswers.find((a) => a.runId === 9000 + id),
      30_000,
    );
    expect(status.state).toBeUndefined();
    await replicas.kill(0);

    // The workflow completes while no server listens: its webhook is lost.
    const run = gh.repo(OWNER, name)!.runs[0]!;
    run.status = "completed";
    run.conclusion = "success";

    const restartedAt = Date.now();
    server = await replicas.restart(0);
    const decided = () => gh.gateAnswers.filter((a) => a.runId === 9000 + id && a.state !== undefined);
    await until("the decision", () => decided().length > 0, 60_000).catch((e) => {
      console.log(server.output().slice(-4000));
      throw e;
    });
    console.log(`gate restart (${mode}): answered ${Date.now() - restartedAt} ms after the restart`);
    // GitHub asks again for the same run (a redelivery under a new id): no second decision.
    expect(await replicas.send("deployment_protection_rule", payload)).toBe(200);
    await sleep(3_000);
    expect(decided()).toEqual([
      expect.objectContaining({ state: "approved", environment_name: "production" }),
    ]);
    expect(gh.checkRuns.filter((r) => r.status === "in_progress")).toEqual([]);
    // The restarted server sent the one decision; the redelivery's evaluation found it answered and counts none.
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('readiness_deployment_gates_answered_total{state="approved"} 1\n');
    expect(metrics).not.toContain('readiness_deployment_gates_answered_total{state="rejected"}');
  }, 150_000);
});
