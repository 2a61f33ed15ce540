// End to end, many replicas: THREE built servers (`node dist/app/main.js`) on one PostgreSQL and the GitHub
// stand-in, every signed webhook sent to one of them at random (a load balancer without affinity; a refused
// connection is sent again elsewhere, as GitHub redelivers). A 50-event burst for one commit; then 200 pull
// requests opened at once (half GO, half NO-GO), maintainers' `/readiness waive` comments on some NO-GO ones,
// two deployment gates, and in the middle the replica holding the gate that waits for CI is SIGKILLed.
// Asserted: every PR's latest check run completed with its verdict, one sticky comment per PR, at most two
// evaluations for the burst, each gate answered exactly once (the orphaned one after CI completed, by a
// survivor), no check run left in_progress.
//
// Write pacing: Probot lets one write a second through per installation in each process (its throttling
// plugin, kept as the server builds it). 200 PRs in one installation would be ≥ 400 paced writes (a check
// run and a sticky comment each), minutes by design. As an organisation's load does, the 200 PRs are spread
// over 20 installations (10 PRs, 20 writes each), so the run stays well under a minute of paced writes
// without switching the pacing off. The replicas share that pace per installation through PostgreSQL, which
// the test asserts from the times the stand-in saw the writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { example, pullRequestPayload, sleep, until, workflowRunPayload } from "../reliability/support.js";
import { postgresForTests } from "../support/database.js";
import type { GitHubStandIn } from "../support/github-stand-in.js";
import { deploymentGatePayload, repositoryPayload } from "../support/payloads.js";
import { REPLICA_APP_ID as APP_ID, README_POLICY, Replicas, replicaStandIn } from "../support/replicas.js";

const onPostgres = await postgresForTests("e2e replicas");
const INSTALLATIONS = 20;
const PRS_PER_INSTALLATION = 10;
const BASE = "release/7.0";
const PR_POLICY = `${README_POLICY}commands:
  waive: { permission: maintain, maxDays: 14 }
`;
const GATE_POLICY = `version: 1
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

interface Pr {
  installation: number;
  owner: string;
  repo: { owner: string; name: string; id: number };
  number: number;
  sha: string;
  /** NO-GO ones lack the README; waived ones are NO-GO turned GO by a maintainer's comment. */
  go: boolean;
  waived: boolean;
}

const hex = (n: number, fill: string) => n.toString(16).padStart(6, "0").padEnd(40, fill);
const PRS: Pr[] = [];
for (let i = 1; i <= INSTALLATIONS; i++)
  for (let n = 1; n <= PRS_PER_INSTALLATION; n++) {
    const go = n % 2 === 0;
    PRS.push({
      installation: i,
      owner: `org-${i}`,
      repo: { owner: `org-${i}`, name: "service", id: 5000 + i },
      number: n,
      sha: hex(i * 100 + n, "a"),
      go,
      // The first NO-GO PR of the first five installations.
      waived: n === 1 && i <= 5,
    });
  }
const BURST = { owner: "org-1", name: "burst", id: 5900 };
const BURST_SHA = hex(1, "b");
const DEPLOY = { owner: "org-1", name: "deploy", id: 5901 };
const GATE_READY = { sha: hex(2, "c"), runId: 9101 };
const GATE_WAITING = { sha: hex(3, "c"), runId: 9102 };

describe.runIf(onPostgres)("three replicas on one PostgreSQL, one SIGKILLed mid-load", () => {
  let gh: GitHubStandIn;
  let replicas: Replicas;

  const withInstallation = <T extends { installation?: unknown }>(payload: T, id: number): T => {
    payload.installation = { id, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
    return payload;
  };
  const latest = (sha: string) => gh.checkRuns.filter((r) => r.head_sha === sha).at(-1);
  const expected = (pr: Pr) => (pr.go || pr.waived ? "success" : "failure");
  // Its verdict on the run and the sticky comment, which is written after the run (a paced write later).
  const settled = (pr: Pr) => {
    const run = latest(pr.sha);
    return (
      run?.status === "completed" &&
      run.conclusion === expected(pr) &&
      stickies(pr.owner, pr.repo.name, pr.number).length > 0
    );
  };
  const stickies = (owner: string, repo: string, issue: number) =>
    gh.comments.filter(
      (c) =>
        c.owner === owner &&
        c.repo === repo &&
        c.issue === issue &&
        c.app_id === APP_ID &&
        c.body.includes("readiness-gate:status"),
    );
  const decisions = (runId: number) => gh.gateAnswers.filter((a) => a.runId === runId && a.state);
  const evaluationsOf = (sha: string) =>
    replicas.logged("pull request evaluated").filter((l) => l.sha === sha).length;

  /** A maintainer's `/readiness waive` on the PR, posted to the stand-in, and its issue_comment webhook. */
  async function waive(pr: Pr): Promise<number> {
    const c = gh.addComment({
      owner: pr.owner,
      repo: pr.repo.name,
      issue: pr.number,
      user: "maintainer",
      body: "/readiness waive readme for 3d the README ships with the docs release",
    });
    const payload = withInstallation(example("issue_comment", "created"), pr.installation);
    payload.repository = repositoryPayload(pr.owner, pr.repo.name, pr.repo.id);
    payload.issue.number = pr.number;
    payload.issue.pull_request = {
      url: `${gh.baseUrl}/repos/${pr.owner}/${pr.repo.name}/pulls/${pr.number}`,
    };
    payload.comment = { ...payload.comment, ...gh.commentPayload(c) };
    payload.comment.user = { ...payload.comment.user, login: "maintainer", type: "User" };
    return replicas.send("issue_comment", payload);
  }

  beforeAll(async () => {
    gh = await replicaStandIn(
      Array.from({ length: INSTALLATIONS }, (_, k) => ({ id: k + 1, account: `org-${k + 1}` })),
    );
    for (let i = 1; i <= INSTALLATIONS; i++) {
      const mine = PRS.filter((p) => p.installation === i);
      const files: Record<string, Record<string, string>> = {
        main: { ".readiness.yml": PR_POLICY },
        [BASE]: { ".readiness.yml": PR_POLICY },
      };
      for (const p of mine)
        files[p.sha] = { ".readiness.yml": PR_POLICY, ...(p.go ? { "README.md": "# ok\n" } : {}) };
      gh.addRepo({
        ...mine[0]!.repo,
        defaultBranch: "main",
        files,
        pulls: mine.map((p) => ({ number: p.number, base: BASE, head: `rel-${p.number}`, headSha: p.sha })),
        collaborators: { maintainer: "maintain" },
      });
    }
    gh.addRepo({
      ...BURST,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": PR_POLICY },
        [BASE]: { ".readiness.yml": PR_POLICY },
        [BURST_SHA]: { ".readiness.yml": PR_POLICY, "README.md": "# ok\n" },
      },
      pulls: [{ number: 1, base: BASE, head: "rel-1", headSha: BURST_SHA }],
    });
    const ci = (sha: string, status: string, conclusion: string | null) => ({
      name: "CI",
      path: ".github/workflows/ci.yml",
      headSha: sha,
      branch: "main",
      event: "push",
      status,
      conclusion,
    });
    gh.addRepo({
      ...DEPLOY,
      defaultBranch: "main",
      files: {
        main: { ".readiness.yml": GATE_POLICY },
        [GATE_READY.sha]: { ".readiness.yml": GATE_POLICY, "README.md": "# ok\n" },
        [GATE_WAITING.sha]: { ".readiness.yml": GATE_POLICY, "README.md": "# ok\n" },
      },
      runs: [ci(GATE_READY.sha, "completed", "success"), ci(GATE_WAITING.sha, "in_progress", null)],
    });
    replicas = await Replicas.start({
      gh,
      count: 3,
      // A killed replica's jobs go to another after 10 s; eight evaluations at once per replica.
      env: { JOB_LEASE_SECONDS: "10", QUEUE_CONCURRENCY: "8", LOG_LEVEL: "info" },
    });
  }, 240_000);

  afterAll(async () => {
    await replicas?.stop();
    await gh?.stop();
  });

  it("a 50-event burst for one commit, spread over the three: at most 2 evaluations", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await sleep(i * 10);
        // Fifty distinct deliveries (a body signed twice is dropped as a replay by the intake).
        const payload = pullRequestPayload(BURST, {
          number: 1,
          base: BASE,
          headSha: BURST_SHA,
          head: "rel-1",
        });
        payload.pull_request.updated_at = new Date(Date.UTC(2026, 10, 20, 12, 0, i)).toISOString();
        return replicas.send("pull_request", withInstallation(payload, 1));
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await until("the burst's run completed", () => latest(BURST_SHA)?.status === "completed", 30_000);
    await sleep(3_000); // a re-run, if any, has time to show
    const servedBy = replicas.started.map(
      (s) => s.output().split('"msg":"pull request evaluated"').length - 1,
    );
    console.log(
      `e2e replicas: burst of 50 → ${evaluationsOf(BURST_SHA)} evaluations (per replica ${servedBy})`,
    );
    expect(evaluationsOf(BURST_SHA)).toBeGreaterThanOrEqual(1);
    expect(evaluationsOf(BURST_SHA)).toBeLessThanOrEqual(2);
    expect(latest(BURST_SHA)).toMatchObject({ conclusion: "success" });
    expect(stickies(BURST.owner, BURST.name, 1)).toHaveLength(1);
  }, 60_000);

  it("200 PRs, waivers and two gates; the replica holding the waiting gate is killed mid-way: nothing lost", async () => {
    const started = Date.now();
    const gate = (g: { sha: string; runId: number }) =>
      replicas.send(
        "deployment_protection_rule",
        deploymentGatePayload(gh.baseUrl, repositoryPayload(DEPLOY.owner, DEPLOY.name, DEPLOY.id), {
          environment: "production",
          ...g,
        }),
      );
    expect([await gate(GATE_READY), await gate(GATE_WAITING)]).toEqual([200, 200]);
    await until(
      "the waiting gate's status comment",
      () => gh.gateAnswers.find((a) => a.runId === GATE_WAITING.runId && a.state === undefined),
      30_000,
    );
    // The replica that evaluated the waiting gate (it logs once GitHub took the status): the one to kill.
    const holder = await until(
      "a replica logged the waiting gate",
      () =>
        replicas.alive().find((s) =>
          s
            .output()
            .split("\n")
            .some((l) => l.includes('"msg":"deployment gate answered"') && l.includes(GATE_WAITING.sha)),
        ),
      10_000,
    );

    const sent = await Promise.all(
      PRS.map(async (pr, k) => {
        await sleep(k * 5);
        const payload = pullRequestPayload(
          pr.repo,
          { number: pr.number, base: BASE, headSha: pr.sha, head: `rel-${pr.number}` },
          "opened",
        );
        const status = await replicas.send("pull_request", withInstallation(payload, pr.installation));
        return pr.waived ? Math.max(status, await waive(pr)) : status;
      }),
    );
    expect(sent.filter((s) => s !== 200)).toEqual([]);
    await until("a quarter of the PRs completed", () => PRS.filter(settled).length >= 50, 60_000);
    const doneAtKill = PRS.filter((pr) => latest(pr.sha)?.status === "completed").length;
    await replicas.kill(replicas.servers.indexOf(holder));
    const killedAt = Date.now();

    // CI completes while its gate's replica is gone; GitHub's workflow_run webhook reaches a survivor, the
    // only word GitHub sends (it asks about a deployment once). Its fan-out goes ahead of the ~150 queued
    // evaluations, then the gate does: someone waits on both.
    const run = gh.repo(DEPLOY.owner, DEPLOY.name)!.runs.find((r) => r.headSha === GATE_WAITING.sha)!;
    run.status = "completed";
    run.conclusion = "success";
    const workflow = workflowRunPayload(DEPLOY, { sha: GATE_WAITING.sha, prs: [], branch: "main" });
    expect(await replicas.send("workflow_run", withInstallation(workflow, 1))).toBe(200);
    await until("the waiting gate's decision", () => decisions(GATE_WAITING.runId).length > 0, 40_000).catch(
      (error) => {
        // What each replica said about the gate and what GitHub saw: the failure names its cause.
        const said = replicas.started.flatMap((s, k) =>
          s
            .output()
            .split("\n")
            .filter((l) => l.includes(GATE_WAITING.sha) || l.includes(String(GATE_WAITING.runId)))
            .map((l) => `replica ${k}: ${l.slice(0, 600)}`),
        );
        const seen = gh.requests
          .filter((r) => r.path.includes(String(GATE_WAITING.runId)) || r.path.includes(GATE_WAITING.sha))
          .map((r) => `${new Date(r.at).toISOString()} ${r.method} ${r.path}`);
        throw new Error(
          `${(error as Error).message} (killed at ${new Date(killedAt).toISOString()})\n${said.join("\n")}\n${seen.join("\n")}`,
        );
      },
    );
    const gateAfter = Date.now() - killedAt;

    await until("every PR's run completed with its verdict", () => PRS.every(settled), 150_000).catch(
      (error) => {
        const left = PRS.filter((pr) => !settled(pr)).map(
          (pr) => `${pr.owner}#${pr.number}:${latest(pr.sha)?.status}`,
        );
        throw new Error(`${(error as Error).message}; not settled: ${left.slice(0, 20).join(", ")}`);
      },
    );
    await sleep(3_000); // a second answer or a late re-run, if any, has time to show
    console.log(
      `e2e replicas: 200 PRs over 3 replicas (one killed after ${doneAtKill} completed) all settled ${Date.now() - started} ms after the first gate; the orphaned gate answered by a survivor ${gateAfter} ms after the kill`,
    );

    for (const pr of PRS) {
      expect(latest(pr.sha), `${pr.owner}#${pr.number}`).toMatchObject({
        status: "completed",
        conclusion: expected(pr),
      });
      expect(stickies(pr.owner, pr.repo.name, pr.number), `${pr.owner}#${pr.number}`).toHaveLength(1);
    }
    for (const pr of PRS.filter((p) => p.waived))
      expect(latest(pr.sha)!.output.summary, "the waiver shows on the run").toContain("maintainer");
    expect(decisions(GATE_READY.runId)).toEqual([
      expect.objectContaining({ environment_name: "production", state: "approved" }),
    ]);
    expect(decisions(GATE_WAITING.runId)).toEqual([
      expect.objectContaining({ environment_name: "production", state: "approved" }),
    ]);
    expect(gh.checkRuns.filter((r) => r.status === "in_progress")).toEqual([]);
    expect(evaluationsOf(BURST_SHA), "the burst was not evaluated again").toBeLessThanOrEqual(2);
    // The three replicas kept one write pace per installation (src/store/write-pace.ts): GitHub asks for a
    // second between writes; each replica pacing only itself would allow three a second. Timers fire late on a
    // busy machine, so the span allows 100 ms per write and a single gap 750 ms.
    for (let i = 1; i <= INSTALLATIONS; i++) {
      const writes = gh.requests
        .filter((r) => r.method !== "GET" && r.path.startsWith(`/repos/org-${i}/`))
        .map((r) => r.at)
        .sort((a, b) => a - b);
      expect(writes.length).toBeGreaterThanOrEqual(PRS_PER_INSTALLATION * 2);
      expect(writes.at(-1)! - writes[0]!, `org-${i}: ${writes.length} writes`).toBeGreaterThanOrEqual(
        (writes.length - 1) * 900,
      );
      // No two sent together: a slot is taken when the write leaves, not before Probot's own queue.
      const gaps = writes.slice(1).map((t, k) => t - writes[k]!);
      expect(Math.min(...gaps), `org-${i}: gaps ${gaps.join(",")}`).toBeGreaterThanOrEqual(250);
    }
  }, 240_000);
});
