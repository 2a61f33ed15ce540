import { describe, expect, it } from "vitest";
import { statusKind } from "../../src/checks/status.js";
import type { CheckRunSummary, CommitStatus } from "../../src/evidence/types.js";
import { check, daysAgo, evaluateWorld, releaseTarget } from "./helpers.js";

const checkRun = (over: Partial<CheckRunSummary> = {}): CheckRunSummary => ({
  name: "buildkite/shop",
  status: "completed",
  conclusion: "success",
  completedAt: daysAgo(0.1),
  url: "https://buildkite.com/acme/shop/builds/1",
  ...over,
});
const status = (over: Partial<CommitStatus> = {}): CommitStatus => ({
  context: "buildkite/shop",
  state: "success",
  updatedAt: daysAgo(0.1),
  url: "https://buildkite.com/acme/shop/builds/2",
  ...over,
});

describe("status: pinned to its source", () => {
  it("pinned to an app: a status anyone posted under the name is ignored, and the report says so", () => {
    const forged = status({ creator: "mallory", updatedAt: daysAgo(0.01) });
    const r = check(statusKind, { name: "buildkite/shop", app: "buildkite" }, { statuses: [forged] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe(
      "no check runs from app buildkite named buildkite/shop on abc1234; only from other sources, which do not count",
    );
    expect(r.details).toEqual(["ignored a buildkite/shop report from other sources (status from mallory)"]);
    // The pinned app's own check run decides, even when a later forged one says otherwise.
    const ok = check(
      statusKind,
      { name: "buildkite/shop", app: "buildkite" },
      {
        checkRuns: [
          checkRun({ app: "buildkite" }),
          checkRun({ app: "evil-app", conclusion: "failure", completedAt: daysAgo(0.01) }),
        ],
        statuses: [forged],
      },
    );
    expect(ok.status).toBe("pass");
    expect(ok.summary).toBe("buildkite/shop succeeded on abc1234");
  });

  it("pinned to a creator: only that account's statuses count, read from the full list", () => {
    const mine = status({ creator: "ci-bot", state: "failure", updatedAt: daysAgo(0.2) });
    const forged = status({ creator: "mallory", updatedAt: daysAgo(0.01) });
    const r = check(statusKind, { name: "buildkite/shop", creator: "CI-Bot" }, { statuses: [forged, mine] });
    expect(r.asked).toEqual([{ type: "checkRuns" }, { type: "statuses", creators: true }]);
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("buildkite/shop did not succeed on abc1234 (state: failure)");
  });

  it("unpinned: a pass says anyone with write access can post it", () => {
    const r = check(statusKind, { name: "buildkite/shop" }, { statuses: [status({ creator: "mallory" })] });
    expect(r.status).toBe("pass");
    expect(r.summary).toContain("unpinned: anyone with write access can post a status named buildkite/shop");
  });
});

describe("status", () => {
  it("asks for check runs and commit statuses", () => {
    expect(check(statusKind, { name: "buildkite/shop" }).asked).toEqual([
      { type: "checkRuns" },
      { type: "statuses" },
    ]);
  });

  it("passes on a successful check run, linking it", () => {
    const r = check(statusKind, { name: "buildkite/shop" }, { checkRuns: [checkRun()] });
    expect(r.status).toBe("pass");
    expect(r.summary).toBe(
      "buildkite/shop succeeded on abc1234 (unpinned: anyone with write access can post a status named buildkite/shop; pin its source with app: or creator:)",
    );
    expect(r.evidence?.[0]?.url).toBe("https://buildkite.com/acme/shop/builds/1");
  });

  it("passes on a commit status in state success", () => {
    expect(check(statusKind, { name: "buildkite/shop" }, { statuses: [status()] }).status).toBe("pass");
  });

  it("is pending while a check runs or a status is pending", () => {
    const running = check(
      statusKind,
      { name: "buildkite/shop" },
      {
        checkRuns: [checkRun({ status: "in_progress", conclusion: null, completedAt: null })],
      },
    );
    expect(running.status).toBe("pending");
    expect(running.summary).toContain("still running");
    expect(
      check(statusKind, { name: "buildkite/shop" }, { statuses: [status({ state: "pending" })] }).status,
    ).toBe("pending");
  });

  it("fails naming the state or conclusion", () => {
    const r = check(statusKind, { name: "buildkite/shop" }, { statuses: [status({ state: "failure" })] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("buildkite/shop did not succeed on abc1234 (state: failure)");
    const c = check(
      statusKind,
      { name: "buildkite/shop" },
      { checkRuns: [checkRun({ conclusion: "cancelled" })] },
    );
    expect(c.summary).toContain("(conclusion: cancelled)");
  });

  it("the latest report wins, whichever source it comes from", () => {
    const world = {
      statuses: [status({ state: "failure", updatedAt: daysAgo(1) })],
      checkRuns: [checkRun({ conclusion: "success", completedAt: daysAgo(0.5) })],
    };
    expect(check(statusKind, { name: "buildkite/shop" }, world).status).toBe("pass");
    const newerFailure = {
      statuses: [status({ state: "error", updatedAt: daysAgo(0.1) }), status({ updatedAt: daysAgo(1) })],
    };
    expect(check(statusKind, { name: "buildkite/shop" }, newerFailure).status).toBe("fail");
  });

  it("fails when nothing with that name reported", () => {
    const r = check(statusKind, { name: "buildkite/shop" }, { statuses: [status({ context: "other" })] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("no check run or status named buildkite/shop on abc1234");
  });

  it("passes on one source when the other could not be read", () => {
    const r = check(
      statusKind,
      { name: "buildkite/shop" },
      {
        checkRuns: [checkRun()],
        unknown: { statuses: "statuses: 403" },
      },
    );
    expect(r.status).toBe("pass");
  });

  it("is unknown, not failed, when the readable source does not decide", () => {
    const missing = check(
      statusKind,
      { name: "buildkite/shop" },
      { unknown: { checkRuns: "checks: read is missing" } },
    );
    expect(missing.status).toBe("unknown");
    expect(missing.summary).toContain("checks: read is missing");
    const failing = check(
      statusKind,
      { name: "buildkite/shop" },
      {
        statuses: [status({ state: "failure" })],
        unknown: { checkRuns: "checks: read is missing" },
      },
    );
    expect(failing.status).toBe("unknown");
  });
});

describe("status through the engine", () => {
  it("applies to releases too", () => {
    const report = evaluateWorld(
      { version: 1, checks: { ext: { status: { name: "buildkite/shop" } } } },
      { checkRuns: [checkRun()] },
      releaseTarget,
    );
    expect(report.checks[0]?.status).toBe("pass");
    expect(report.verdict).toBe("go");
  });
});
