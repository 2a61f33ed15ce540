// The check-run publisher on its own: annotation batches, byte bounds, lookup by name and App id.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import {
  clipBytes,
  findCheckRun,
  SUMMARY_MAX_BYTES,
  writeCheckRun,
} from "../../src/app/publish/check-run.js";
import { RunPublisher } from "../../src/app/publish/publisher.js";
import type { Annotation } from "../../src/report/annotations.js";
import { recordRequests } from "../support/openapi.js";
import type { Body } from "./harness.js";

const octokit = () =>
  new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } });

afterEach(() => {
  nock.cleanAll();
});

describe("check-run publisher", () => {
  it("sends at most 50 annotations per request, the rest in follow-up updates", async () => {
    const api = nock("https://api.github.com");
    const recorder = recordRequests(api);
    const bodies: Body[] = [];
    api
      .patch("/repos/o/r/check-runs/5", (b) => {
        bodies.push(b);
        return true;
      })
      .times(3)
      .reply(200, { id: 5 });
    const annotations: Annotation[] = Array.from({ length: 120 }, (_, i) => ({
      path: ".readiness.yml",
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: "failure",
      message: `problem ${i}`,
      title: "Invalid policy",
    }));
    await writeCheckRun(
      octokit(),
      { owner: "o", repo: "r", sha: "abc", name: "Production readiness", appId: 7 },
      { id: 5, status: "in_progress" },
      {
        conclusion: "failure",
        output: { title: "Invalid policy", summary: "s", annotations },
        externalId: "readiness;ctx=pull_request;pr=1",
        fingerprint: "f1",
      },
      () => undefined,
      new Date("2026-11-20T12:00:00Z"),
    );
    expect(bodies.map((b) => b.output.annotations.length)).toEqual([50, 50, 20]);
    expect(bodies[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    recorder.assertAllKnown();
  });

  it("a completed run is never patched: an unchanged result writes nothing, a changed one creates a new run", async () => {
    const api = nock("https://api.github.com");
    const recorder = recordRequests(api);
    const where = { owner: "o", repo: "r", sha: "abc", name: "Production readiness", appId: 7 };
    const done = { id: 5, status: "completed", conclusion: "success" as const, externalId: "x" };
    const result = {
      conclusion: "success" as const,
      output: { title: "GO · 100/100", summary: "s" },
      externalId: "readiness;ctx=pull_request;pr=1;fp=aaaa",
      fingerprint: "aaaa",
    };
    const same = await writeCheckRun(octokit(), where, done, result, () => "aaaa", new Date());
    expect(same.outcome).toBe("unchanged");
    expect(recorder.requests).toHaveLength(0);

    const created: Body[] = [];
    api
      .post("/repos/o/r/check-runs", (b) => {
        created.push(b);
        return true;
      })
      .reply(201, { id: 6, status: "completed" });
    const changed = await writeCheckRun(
      octokit(),
      where,
      done,
      { ...result, conclusion: "failure", fingerprint: "bbbb" },
      () => "aaaa",
      new Date(),
    );
    expect(changed).toMatchObject({ outcome: "created", run: { id: 6 } });
    expect(created[0]).toMatchObject({
      name: "Production readiness",
      head_sha: "abc",
      status: "completed",
      conclusion: "failure",
    });
    recorder.assertAllKnown();
  });

  it("keeps the summary under GitHub's 65,535-byte limit without splitting a character", () => {
    const big = "é".repeat(40_000);
    const cut = clipBytes(big);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(cut).not.toContain("\uFFFD");
  });

  it("finds its own run by name and App id, ignoring same-named runs of other apps", async () => {
    const api = nock("https://api.github.com");
    const recorder = recordRequests(api);
    api
      .get("/repos/o/r/commits/abc/check-runs")
      .query({ check_name: "Production readiness", app_id: "7", filter: "latest", per_page: "10" })
      .reply(200, {
        total_count: 2,
        check_runs: [
          {
            id: 1,
            name: "Production readiness",
            status: "completed",
            conclusion: "success",
            app: { id: 99 },
          },
          { id: 2, name: "Production readiness", status: "in_progress", conclusion: null, app: { id: 7 } },
        ],
      });
    const run = await findCheckRun(octokit(), {
      owner: "o",
      repo: "r",
      sha: "abc",
      name: "Production readiness",
      appId: 7,
    });
    expect(run).toMatchObject({ id: 2, status: "in_progress" });
    recorder.assertAllKnown();
  });
});

describe("run publisher: one write when the evaluation is quick", () => {
  const where = { owner: "o", repo: "r", sha: "abc", name: "Production readiness" };
  const tag = { context: "pull_request" as const, pr: 1 };
  const go = {
    conclusion: "success" as const,
    output: { title: "GO · 100/100", summary: "s" },
    evaluatedAt: "2026-11-20T12:00:00.000Z",
    incomplete: false,
    timeSensitive: false,
    headline: "GO · 100/100",
  };
  const setup = () => {
    const api = nock("https://api.github.com");
    const recorder = recordRequests(api);
    api.get("/repos/o/r/commits/abc/check-runs").query(true).reply(200, { total_count: 0, check_runs: [] });
    const writes: (Body & { _method: string })[] = [];
    api
      .post("/repos/o/r/check-runs", (b) => {
        writes.push({ ...b, _method: "POST" });
        return true;
      })
      .reply(201, { id: 9, status: "in_progress", html_url: "https://github.com/o/r/runs/9" });
    api
      .patch("/repos/o/r/check-runs/9", (b) => {
        writes.push({ ...b, _method: "PATCH" });
        return true;
      })
      .optionally()
      .reply(200, { id: 9, status: "completed", html_url: "https://github.com/o/r/runs/9" });
    return { recorder, writes };
  };
  const publisher = (showPendingAfterMs: number) =>
    new RunPublisher({
      octokit: octokit(),
      appId: 7,
      now: () => new Date("2026-11-20T12:00:00Z"),
      ...where,
      showPendingAfterMs,
    });

  it("a commit without a run gets it created completed, with the result: no 'Evaluating…' first", async () => {
    const { recorder, writes } = setup();
    const p = publisher(200);
    expect(await p.begin(tag)).toBeNull();
    await p.publish(go, tag);
    await new Promise((r) => setTimeout(r, 300));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ _method: "POST", status: "completed", conclusion: "success" });
    recorder.assertAllKnown();
  });

  it("an evaluation slower than the delay shows 'Evaluating…' meanwhile, then completes that run", async () => {
    const { recorder, writes } = setup();
    const p = publisher(20);
    await p.begin(tag);
    await new Promise((r) => setTimeout(r, 150));
    await p.publish(go, tag);
    expect(writes.map((w) => [w._method, w.status])).toEqual([
      ["POST", "in_progress"],
      ["PATCH", "completed"],
    ]);
    expect(writes[0]!.output.title).toBe("Evaluating…");
    recorder.assertAllKnown();
  });
});
