// The App on its store, on both engines (real PostgreSQL and the embedded PGlite), same assertions: a
// deployment gate waiting for a workflow survives a restart and is answered exactly once; every evaluation
// lands in the verdict history; a delivery id is taken once across instances sharing the store.

import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SqlDashboard } from "../../src/store/dashboard.js";
import { Store } from "../../src/store/store.js";
import {
  type Body,
  checkRunWrites,
  example,
  type Harness,
  noCheckRun,
  policy,
  RELEASE_POLICY,
  setup,
  teardown,
  token,
  tree,
} from "../app/harness.js";
import { report } from "../report/fixtures.js";
import { databaseRelay, dropSchema, type Engine, storeEngines, uniqueSchema } from "../support/database.js";

const engines = await storeEngines("app on the store");
const REPO = "Codertocat/Hello-World";
const SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const RUN_ID = 4242;
const CI_POLICY = `${RELEASE_POLICY}  ci:\n    required: true\n    workflow: { file: ci.yml }\n`;

function gateRequest() {
  const base = example("deployment", "created");
  return {
    action: "requested",
    environment: "production",
    event: "push",
    deployment_callback_url: `https://api.github.com/repos/${REPO}/actions/runs/${RUN_ID}/deployment_protection_rule`,
    deployment: { ...base.deployment, environment: "production" },
    pull_requests: [],
    repository: base.repository,
    installation: base.installation,
    sender: base.sender,
  };
}

const workflowRuns = (status: string, conclusion: string | null) => ({
  total_count: 1,
  workflow_runs: [
    {
      id: 555,
      name: "CI",
      path: ".github/workflows/ci.yml",
      head_sha: SHA,
      head_branch: "master",
      event: "push",
      status,
      conclusion,
      created_at: "2026-11-20T11:50:00Z",
      updated_at: "2026-11-20T11:55:00Z",
      run_started_at: "2026-11-20T11:50:00Z",
      html_url: `https://github.com/${REPO}/actions/runs/555`,
    },
  ],
});

/** What one evaluation of the deployment reads, with CI in `status`; the answers posted are collected. */
function github(h: Harness, ci: [string, string | null], answers: Body[]): void {
  token(h.api);
  policy(h.api, REPO, "master", CI_POLICY);
  noCheckRun(h.api, REPO, SHA, "Production readiness (deployment: production)");
  checkRunWrites(h.api, REPO);
  tree(h.api, REPO, SHA, ["README.md", "CHANGELOG.md"]);
  h.api.get(`/repos/${REPO}/commits/${SHA}/pulls`).query(true).optionally().times(3).reply(200, []);
  h.api
    .get(`/repos/${REPO}/actions/runs`)
    .query(true)
    .reply(200, workflowRuns(...ci));
  h.api.get(`/repos/${REPO}/contents/.github%2Fworkflows`).query(true).optionally().times(3).reply(200, []);
  h.api
    .post(`/repos/${REPO}/actions/runs/${RUN_ID}/deployment_protection_rule`, (b) => {
      answers.push(b);
      return true;
    })
    .optionally()
    .times(3)
    .reply(204);
}

describe.each(engines.map((e) => [e.name, e] as const))(
  "the App on its store (%s)",
  (_name, engine: Engine) => {
    let h: Harness | undefined;
    const opened: { drop(): Promise<void> }[] = [];
    afterEach(async () => {
      await h?.runtime.drain(1_000);
      teardown(h);
      h = undefined;
      for (const o of opened.splice(0)) await o.drop();
    });
    beforeAll(() => engine.warm(), 180_000);
    afterAll(() => engine.end());

    async function freshStore(): Promise<Store> {
      const o = await engine.open();
      opened.push(o);
      return o.store;
    }

    it("a gate pending when the App stops is answered after the restart, once; the history has both evaluations", async () => {
      const store = await freshStore();
      const answers: Body[] = [];
      h = await setup({ store });
      github(h, ["in_progress", null], answers);
      await h.deliver("deployment_protection_rule", gateRequest());
      expect(answers).toHaveLength(1);
      expect(answers[0]!.state).toBeUndefined(); // a status comment: still waiting
      expect((await store.gate("Codertocat", "Hello-World", RUN_ID, "production"))?.state).toBe("pending");
      // The App stops before CI completes; the workflow_run webhook that would have woken the gate is lost.
      await h.runtime.drain(1_000);
      teardown(h);

      // A new App on the same store: its start-up sweep evaluates the waiting gate again, CI has passed.
      h = await setup({ store });
      github(h, ["completed", "success"], answers);
      await waitFor(
        async () =>
          (await store.gate("Codertocat", "Hello-World", RUN_ID, "production"))?.state === "approved",
      );
      await h.runtime.idle();
      expect(answers).toHaveLength(2);
      expect(answers[1]).toMatchObject({ environment_name: "production", state: "approved" });

      // GitHub asks again (a new delivery for the same run): evaluated, but no second decision is sent.
      github(h, ["completed", "success"], answers);
      await h.deliver("deployment_protection_rule", gateRequest());
      expect(answers).toHaveLength(2);

      // The history is written beside the answer, not before it.
      await waitFor(async () => (await store.listVerdicts({ repository: REPO })).length === 3);
      const history = await store.listVerdicts({ repository: REPO });
      expect(history.map((v) => [v.targetKind, v.verdict, v.sha])).toEqual([
        ["deployment", "go", SHA],
        ["deployment", "go", SHA],
        ["deployment", "pending", SHA],
      ]);
      expect(history[0]).toMatchObject({ environment: "production", mode: "block", incomplete: false });
      expect(history[0]!.checks.map((c) => [c.id, c.status])).toEqual([
        ["readme", "pass"],
        ["changelog", "pass"],
        ["ci", "pass"],
      ]);
      // The dashboard lists the repository under the webhook's installation, its newest evaluation linked to
      // the check run the App wrote after recording it.
      const installationId = gateRequest().installation!.id;
      const list = () =>
        new SqlDashboard(store.sql).listRepositories({ readable: [REPO] }, new Date()).then((p) => p.items);
      await waitFor(async () => Boolean((await list())[0]?.latest?.checkRunUrl));
      const listed = await list();
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ repository: REPO, installationId, hasPolicy: true });
      expect(listed[0]!.latest).toMatchObject({
        id: history[0]!.id,
        targetKind: "deployment",
        verdict: "go",
        checkRunUrl: `https://github.com/${REPO}/runs/77`,
      });
    }, 60_000);

    it("an App starting on its store prunes the history past HISTORY_RETENTION_DAYS (400 by default)", async () => {
      const store = await freshStore();
      const DAY = 86_400_000;
      for (const [i, days] of [500, 401, 380, 2].entries())
        await store.recordVerdict({
          repository: REPO,
          targetKind: "pull_request",
          targetNumber: i + 1,
          sha: SHA,
          report: { ...report(), evaluatedAt: new Date(Date.now() - days * DAY).toISOString() },
        });
      h = await setup({ store });
      await waitFor(async () => (await store.listVerdicts()).length === 2);
      expect((await store.listVerdicts()).map((v) => v.targetNumber)).toEqual([4, 3]);
      await h.runtime.drain(1_000);
      teardown(h);
      // A shorter retention set by the operator: the next start prunes to it.
      h = await setup({ store, historyRetentionDays: 30 });
      await waitFor(async () => (await store.listVerdicts()).length === 1);
      expect((await store.listVerdicts()).map((v) => v.targetNumber)).toEqual([4]);
    });

    it("a delivery id is taken once by instances sharing the store", async () => {
      const store = await freshStore();
      const answers: Body[] = [];
      h = await setup({ store });
      const other = await setup({ store });
      try {
        github(h, ["completed", "success"], answers);
        await h.deliver("deployment_protection_rule", gateRequest(), "same-delivery");
        await other.deliver("deployment_protection_rule", gateRequest(), "same-delivery");
        expect(answers).toHaveLength(1);
        expect((await other.runtime.metrics.duplicateDeliveries.get()).values[0]?.value).toBe(1);
        expect(await h.runtime.databaseProblem()).toBeNull();
      } finally {
        await other.runtime.drain(500);
      }
    }, 60_000);
  },
);

describe.runIf(engines.some((e) => e.name === "postgres"))("readiness follows the database", () => {
  it("/readyz is 503 while PostgreSQL cannot be reached, 200 again once it can", async () => {
    // The App reaches PostgreSQL through a TCP relay this test can cut.
    const relay = await databaseRelay();
    const schema = uniqueSchema();
    const store = await Store.open({
      databaseUrl: relay.url,
      schema,
      timeoutMs: 1_000,
    });
    const h = await setup({ store });
    const readyz = async () => {
      const res = await route(h, "/readyz");
      return `${res.status} ${res.body.trim()}`;
    };
    try {
      expect(await readyz()).toBe("200 ready");
      relay.cut();
      expect(await readyz()).toMatch(/^503 database unreachable: /);
      expect((await h.runtime.metrics.databaseUp.get()).values[0]?.value).toBe(0);
      relay.restore();
      await waitFor(async () => (await readyz()) === "200 ready");
    } finally {
      await h.runtime.drain(500);
      teardown(h);
      await store.close().catch(() => {});
      await relay.close();
      await dropSchema(schema);
    }
  }, 30_000);
});

/** GET `path` from the App's routes on a real HTTP server. */
async function route(h: Harness, path: string): Promise<{ status: number; body: string }> {
  nock.enableNetConnect("127.0.0.1");
  const server = createHttpServer(async (req, res) => {
    for (const r of h.routes) if (await r(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return { status: res.status, body: await res.text() };
  } finally {
    server.close();
  }
}

async function waitFor(test: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
