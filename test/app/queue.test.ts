import { describe, expect, it } from "vitest";
import { workflowRunHandler } from "../../src/app/handlers/workflow-run.js";
import { type Job, jobKey, mergeJobs, urgentJob } from "../../src/app/jobs.js";
import { RecentIds, WorkQueue } from "../../src/app/queue.js";
import { example } from "./harness.js";

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

describe("WorkQueue", () => {
  it("coalesces a burst for one key into the running job plus one re-run with the latest item", async () => {
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const q = new WorkQueue<number>(
      async (n) => {
        seen.push(n);
        if (seen.length === 1) await gate;
      },
      { concurrency: 4, maxQueued: 10 },
    );
    const results = Array.from({ length: 50 }, (_, i) => q.push("repo@sha:pr", i));
    expect(results[0]).toBe("queued");
    expect(results[1]).toBe("rerun");
    expect(results.slice(2).every((r) => r === "coalesced")).toBe(true);
    release();
    await q.idle();
    expect(seen).toEqual([0, 49]);
  });

  it("coalesces items waiting in the queue (not yet running)", async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const q = new WorkQueue<string>(
      async (item) => {
        seen.push(item);
        if (item === "block") await gate;
      },
      { concurrency: 1, maxQueued: 10, merge: (a, b) => `${a}+${b}` },
    );
    q.push("a", "block");
    q.push("b", "x");
    q.push("b", "y");
    expect(q.depth).toBe(1);
    release();
    await q.idle();
    expect(seen).toEqual(["block", "x+y"]);
  });

  it("runs different keys concurrently, at most `concurrency` at once", async () => {
    let running = 0;
    let peak = 0;
    const q = new WorkQueue<number>(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
      },
      { concurrency: 3, maxQueued: 100 },
    );
    for (let i = 0; i < 20; i++) q.push(`k${i}`, i);
    await q.idle();
    expect(peak).toBe(3);
  });

  it("runs an urgent item (a deployment someone waits on) before the evaluations queued ahead of it", async () => {
    const order: string[] = [];
    let release!: () => void;
    const blocker = new Promise<void>((r) => {
      release = r;
    });
    const q = new WorkQueue<string>(
      async (item) => {
        order.push(item);
        if (item === "first") await blocker;
      },
      { concurrency: 1, maxQueued: 100, urgent: (item) => item.startsWith("deploy") },
    );
    q.push("k0", "first");
    for (let i = 1; i <= 5; i++) q.push(`k${i}`, `pr ${i}`);
    q.push("d", "deploy prod");
    release();
    await q.idle();
    expect(order).toEqual(["first", "deploy prod", "pr 1", "pr 2", "pr 3", "pr 4", "pr 5"]);
  });

  it("refuses work beyond maxQueued, and everything once draining", async () => {
    const q = new WorkQueue<number>(() => tick(), { concurrency: 1, maxQueued: 2 });
    expect(q.push("a", 1)).toBe("queued"); // starts running
    expect(q.push("b", 1)).toBe("queued");
    expect(q.push("c", 1)).toBe("queued");
    expect(q.push("d", 1)).toBe("rejected");
    expect(await q.drain(1000)).toBe(true);
    expect(q.push("e", 1)).toBe("rejected");
  });

  it("drain gives up after its bound and reports it", async () => {
    const q = new WorkQueue<number>(() => new Promise(() => {}), { concurrency: 1, maxQueued: 2 });
    q.push("stuck", 1);
    expect(await q.drain(30)).toBe(false);
  });

  it("a failing job is reported and does not stop the queue", async () => {
    const errors: unknown[] = [];
    const done: number[] = [];
    const q = new WorkQueue<number>(
      async (n) => {
        if (n === 1) throw new Error("boom");
        done.push(n);
      },
      { concurrency: 1, maxQueued: 10, onError: (e) => errors.push(e) },
    );
    q.push("a", 1);
    q.push("b", 2);
    await q.idle();
    expect(errors).toHaveLength(1);
    expect(done).toEqual([2]);
  });
});

describe("RecentIds", () => {
  it("remembers at most `max` ids, forgetting the oldest", () => {
    const ids = new RecentIds(3);
    for (const id of ["a", "b", "c", "d"]) ids.add(id);
    expect(ids.size).toBe(3);
    expect(ids.has("a")).toBe(false);
    expect(ids.has("d")).toBe(true);
  });
});

describe("a workflow run finishing on pull requests whose evaluations are queued", () => {
  it("adds no second evaluation of them: its jobs coalesce with the queued ones as the webhook arrives", async () => {
    const payload = example("workflow_run", "completed", 2);
    payload.workflow_run.pull_requests[0].base.repo.id = payload.repository.id;
    const sha = payload.workflow_run.head_sha as string;
    const number = payload.workflow_run.pull_requests[0].number as number;
    const ran: string[] = [];
    let release!: () => void;
    const blocker = new Promise<void>((r) => {
      release = r;
    });
    const q = new WorkQueue<Job>(
      async (job) => {
        ran.push(jobKey(job));
        if (job.type === "release_prs") await blocker;
        // The commit's fan-out, as the service does it: the pull requests it names.
        if (job.type === "commit")
          for (const n of job.prNumbers)
            q.push(jobKey({ ...job, type: "pull_request", number: n }), {
              ...job,
              type: "pull_request",
              number: n,
            });
      },
      { concurrency: 1, maxQueued: 100, merge: mergeJobs, urgent: urgentJob },
    );
    const base = {
      installationId: 1,
      owner: "Codertocat",
      repo: "Hello-World",
      deliveries: ["d0"],
      reason: "test",
    };
    q.push("busy", { ...base, type: "release_prs" });
    const pr: Job = {
      ...base,
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      type: "pull_request",
      number,
      sha,
    };
    q.push(jobKey(pr), pr);
    const jobs = workflowRunHandler.jobs({ id: "d1", name: "workflow_run", payload } as never, { appId: 1 });
    for (const job of jobs) expect(q.push(jobKey(job), job)).not.toBe("rejected");
    release();
    await q.idle();
    expect(ran.filter((k) => k === jobKey(pr))).toHaveLength(1);
    expect(ran.some((k) => k.endsWith(":commit"))).toBe(true);
  });
});
