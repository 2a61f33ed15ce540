import { describe, expect, it } from "vitest";
import { workflowKind } from "../../src/checks/workflow.js";
import { check, daysAgo, evaluateWorld, prTarget, run } from "./helpers.js";

describe("workflow: runs of a workflow file the change rewrote are not evidence", () => {
  it("fails when the pull request changed the workflow file, saying why and what to do", () => {
    const r = check(
      workflowKind,
      { file: "ci.yml" },
      { runs: [run()], changedWorkflows: [".github/workflows/ci.yml"] },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toBe(
      ".github/workflows/ci.yml differs from main's copy, so its runs on abc1234 are not evidence: a run executes the changed file, which the change itself wrote",
    );
    expect(r.fix).toContain("Merge the change to .github/workflows/ci.yml into main on its own first");
    // By name too: the run's file decides, whatever the workflow is called.
    expect(
      check(workflowKind, { name: "CI" }, { runs: [run()], changedWorkflows: [".github/workflows/ci.yml"] })
        .status,
    ).toBe("fail");
  });

  it("a run of an unchanged file still counts when the change added another file with the same name", () => {
    const runs = [run(), run({ path: ".github/workflows/evil.yml" })];
    const r = check(workflowKind, { name: "CI" }, { runs, changedWorkflows: [".github/workflows/evil.yml"] });
    expect(r.status).toBe("pass");
    const failing = [run({ conclusion: "failure" }), run({ path: ".github/workflows/evil.yml" })];
    expect(
      check(workflowKind, { name: "CI" }, { runs: failing, changedWorkflows: [".github/workflows/evil.yml"] })
        .status,
    ).toBe("fail");
  });

  it("other workflow files changing do not matter", () => {
    const r = check(
      workflowKind,
      { file: "ci.yml" },
      { runs: [run()], changedWorkflows: [".github/workflows/release.yml"] },
    );
    expect(r.status).toBe("pass");
  });

  it("when the comparison could not be read, a pass is unknown; a failure still fails", () => {
    const unknownChanges = { unknown: { workflowChanges: "GitHub answered 503" } };
    const r = check(workflowKind, { file: "ci.yml" }, { runs: [run()], ...unknownChanges });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain(
      "whether this change rewrote the workflow file could not be read: GitHub answered 503",
    );
    expect(
      check(workflowKind, { file: "ci.yml" }, { runs: [run({ conclusion: "failure" })], ...unknownChanges })
        .status,
    ).toBe("fail");
  });

  it("runs on a named branch run that branch's file: nothing to compare", () => {
    const r = check(
      workflowKind,
      { file: "ci.yml", branch: "main" },
      { runs: [run({ branch: "main" })], changedWorkflows: [".github/workflows/ci.yml"] },
    );
    expect(r.asked.map((n) => n.type)).toEqual(["workflowRuns"]);
    expect(r.status).toBe("pass");
  });
});

describe("workflow on the evaluated commit", () => {
  it("passes when the latest run succeeded, and links to it", () => {
    const ci = run({ id: 1 });
    const r = check(workflowKind, { name: "CI" }, { runs: [ci] });
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("CI succeeded on abc1234");
    expect(r.evidence?.[0]?.url).toBe(ci.url);
  });

  it("finds a workflow by file name or by path", () => {
    const world = {
      runs: [run(), run({ name: "Deploy", path: ".github/workflows/deploy.yml", conclusion: "failure" })],
    };
    expect(check(workflowKind, { file: "ci.yml" }, world).status).toBe("pass");
    expect(check(workflowKind, { file: ".github/workflows/ci.yml" }, world).status).toBe("pass");
    expect(check(workflowKind, { file: "deploy.yml" }, world).status).toBe("fail");
  });

  it("is pending while CI runs or waits in the queue", () => {
    const running = check(
      workflowKind,
      { name: "CI" },
      { runs: [run({ status: "in_progress", conclusion: null })] },
    );
    expect(running.status).toBe("pending");
    expect(running.summary).toBe("CI is still running on abc1234");
    const queued = check(
      workflowKind,
      { name: "CI" },
      { runs: [run({ status: "queued", conclusion: null })] },
    );
    expect(queued.status).toBe("pending");
  });

  it("is unknown, not passed by any commit's run, when the evaluated commit is not known", () => {
    const { sha: _sha, ...noSha } = prTarget;
    const r = check(workflowKind, { name: "CI" }, { runs: [run()] }, { target: noSha });
    expect(r.status).toBe("unknown");
    expect(r.summary).toMatch(/evaluated commit is not known/);
  });

  it("fails naming the conclusion, linking the run, suggesting a re-run", () => {
    const bad = run({ conclusion: "timed_out" });
    const r = check(workflowKind, { name: "CI" }, { runs: [bad] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("CI timed out on abc1234 (conclusion: timed_out)");
    expect(r.evidence?.map((e) => e.url)).toContain(bad.url);
    expect(r.fix).toContain("re-run the CI workflow");
  });

  it("fails when the workflow never ran on the commit", () => {
    const r = check(workflowKind, { name: "CI" }, { runs: [run({ headSha: "ffffffffffffffff" })] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("no run of CI on abc1234");
  });

  it("takes the latest run: a successful re-run replaces a failure", () => {
    const runs = [
      run({ conclusion: "failure", createdAt: daysAgo(0.5) }),
      run({ conclusion: "success", createdAt: daysAgo(0.2) }),
    ];
    expect(check(workflowKind, { name: "CI" }, { runs }).status).toBe("pass");
  });

  it("needs the latest run of every event to succeed, like policy-bot", () => {
    const runs = [
      run({ event: "push", conclusion: "success", createdAt: daysAgo(0.1) }),
      run({ event: "pull_request", conclusion: "failure", createdAt: daysAgo(0.2) }),
    ];
    const r = check(workflowKind, { name: "CI" }, { runs });
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("(pull_request)");
    expect(r.credit).toBe(0.5);
  });

  it("a failure decides over another event still running", () => {
    const runs = [
      run({ event: "push", status: "in_progress", conclusion: null }),
      run({ event: "pull_request", conclusion: "failure" }),
    ];
    expect(check(workflowKind, { name: "CI" }, { runs }).status).toBe("fail");
  });

  it("accepts the conclusions the policy lists", () => {
    const runs = [run({ conclusion: "neutral" })];
    expect(check(workflowKind, { name: "CI" }, { runs }).status).toBe("fail");
    expect(check(workflowKind, { name: "CI", conclusions: ["success", "neutral"] }, { runs }).status).toBe(
      "pass",
    );
  });

  it("propagates unreadable runs as unknown", () => {
    const r = check(
      workflowKind,
      { name: "CI" },
      { unknown: { workflowRuns: "the app lacks actions: read" } },
    );
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("the app lacks actions: read");
  });
});

describe("workflow jobs", () => {
  const job = (name: string, conclusion: string | null = "success", status = "completed") => ({
    name,
    status,
    conclusion,
  });

  it("asks for jobs and passes when every named job succeeded, matrix jobs included", () => {
    const runs = [run({ jobs: [job("build"), job("test (ubuntu, 20)"), job("test (windows, 20)")] })];
    const r = check(workflowKind, { name: "CI", jobs: ["build", "test"] }, { runs });
    expect(r.asked).toEqual([
      { type: "workflowRuns", workflow: { name: "CI" }, jobs: true },
      { type: "workflowChanges" },
    ]);
    expect(r.status).toBe("pass");
  });

  it("fails on a skipped job even though the run succeeded", () => {
    const runs = [run({ jobs: [job("build"), job("deploy", "skipped")] })];
    const r = check(workflowKind, { name: "CI", jobs: ["deploy"] }, { runs });
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("job deploy was skipped");
  });

  it("fails on a job that did not run at all", () => {
    const r = check(workflowKind, { name: "CI", jobs: ["e2e"] }, { runs: [run({ jobs: [job("build")] })] });
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("job e2e did not run on abc1234");
  });

  it("is pending while a named job runs", () => {
    const runs = [
      run({ status: "in_progress", conclusion: null, jobs: [job("build", null, "in_progress")] }),
    ];
    expect(check(workflowKind, { name: "CI", jobs: ["build"] }, { runs }).status).toBe("pending");
  });
});

describe("workflow on a branch", () => {
  const main = (conclusion: string | null, days: number, status = "completed") =>
    run({
      branch: "main",
      headSha: `sha${days}`,
      event: "push",
      conclusion,
      status,
      createdAt: daysAgo(days),
    });

  it("asks for enough runs of the branch to see the streak", () => {
    expect(check(workflowKind, { name: "CI", branch: "main" }).asked).toEqual([
      { type: "workflowRuns", workflow: { name: "CI" }, branch: "main", limit: 10 },
    ]);
    expect(check(workflowKind, { name: "CI", branch: "main", streak: 25 }).asked).toEqual([
      { type: "workflowRuns", workflow: { name: "CI" }, branch: "main", limit: 25 },
    ]);
  });

  it("by default the latest completed run must have succeeded; a newer running one is ignored", () => {
    const runs = [main(null, 0.1, "in_progress"), main("success", 1), main("failure", 2)];
    const r = check(workflowKind, { name: "CI", branch: "main" }, { runs });
    expect(r.status).toBe("pass");
    const bad = check(workflowKind, { name: "CI", branch: "main" }, { runs: [main("failure", 1)] });
    expect(bad.status).toBe("fail");
    expect(bad.summary).toContain("the latest CI run on main failed");
  });

  it("streak: the last N completed runs all succeeded, one failure N+1 back does not matter", () => {
    const runs = [main("success", 1), main("success", 2), main("success", 3), main("failure", 4)];
    expect(check(workflowKind, { name: "CI", branch: "main", streak: 3 }, { runs }).status).toBe("pass");
    const r = check(workflowKind, { name: "CI", branch: "main", streak: 4 }, { runs });
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("1 of the last 4 CI runs on main did not succeed");
  });

  it("streak: too few completed runs fail, saying how many there were", () => {
    const r = check(
      workflowKind,
      { name: "CI", branch: "main", streak: 3 },
      { runs: [main("success", 1), main("success", 2)] },
    );
    expect(r.status).toBe("fail");
    expect(r.summary).toContain("only 2 completed runs of CI on main");
  });

  it("maxAgeDays: passes at the limit, fails just past it", () => {
    const at = (days: number) =>
      check(workflowKind, { name: "CI", branch: "main", maxAgeDays: 7 }, { runs: [main("success", days)] });
    expect(at(7).status).toBe("pass");
    const late = at(7.01);
    expect(late.status).toBe("fail");
    expect(late.summary).toBe("CI last succeeded on main more than 7 days ago (limit 7)");
    expect(at(9).summary).toBe("CI last succeeded on main 9 days ago (limit 7)");
  });

  it("maxAgeDays alone looks at the latest success, not the latest run", () => {
    const runs = [main("failure", 1), main("success", 2)];
    const r = check(workflowKind, { name: "CI", branch: "main", maxAgeDays: 7 }, { runs });
    expect(r.status).toBe("pass");
    expect(r.summary).toContain("last succeeded 2 days ago (limit 7)");
  });

  it("maxAgeDays and streak give partial credit by part", () => {
    const runs = [main("failure", 1), main("success", 2)];
    const r = check(workflowKind, { name: "CI", branch: "main", maxAgeDays: 7, streak: 2 }, { runs });
    expect(r.status).toBe("fail");
    expect(r.credit).toBe(0.5);
  });

  it("maxAgeDays: a full list without a success cannot rule out a recent older success", () => {
    const runs = Array.from({ length: 10 }, (_, i) => main("failure", 0.1 + i * 0.1));
    expect(check(workflowKind, { name: "CI", branch: "main", maxAgeDays: 7 }, { runs }).status).toBe(
      "unknown",
    );
    const old = Array.from({ length: 10 }, (_, i) => main("failure", 8 + i));
    expect(check(workflowKind, { name: "CI", branch: "main", maxAgeDays: 7 }, { runs: old }).status).toBe(
      "fail",
    );
  });

  it("is pending when the branch has only a running run, failing when it has none", () => {
    expect(
      check(workflowKind, { name: "CI", branch: "main" }, { runs: [main(null, 0.1, "queued")] }).status,
    ).toBe("pending");
    const none = check(workflowKind, { name: "CI", branch: "main" }, { runs: [] });
    expect(none.status).toBe("fail");
    expect(none.summary).toBe("no run of CI on main");
  });
});

describe("workflow through the engine", () => {
  it("blocks a pull request whose CI failed", () => {
    const report = evaluateWorld(
      { version: 1, checks: { ci: { required: true, workflow: { file: "ci.yml" } } } },
      { runs: [run({ conclusion: "failure" })] },
      prTarget,
    );
    expect(report.checks[0]?.status).toBe("fail");
    expect(report.checks[0]?.fix).toContain("re-run");
    expect(report.verdict).toBe("no-go");
    expect(report.blocking).toEqual(["ci"]);
  });
});

describe("workflow: the run's link names its real conclusion", () => {
  it("on the commit: timed_out, cancelled, success; and the event when several events ran it", () => {
    const label = (conclusion: string) =>
      check(workflowKind, { file: "ci.yml" }, { runs: [run({ conclusion })] }).evidence?.[0]?.label;
    expect(label("timed_out")).toBe("ci.yml run (timed_out)");
    expect(label("cancelled")).toBe("ci.yml run (cancelled)");
    expect(label("success")).toBe("ci.yml run (success)");
    const both = check(
      workflowKind,
      { file: "ci.yml" },
      { runs: [run({ event: "push", conclusion: "skipped" }), run({ event: "pull_request" })] },
    );
    expect(both.evidence?.map((e) => e.label).sort()).toEqual([
      "ci.yml run (pull_request, success)",
      "ci.yml run (push, skipped)",
    ]);
  });

  it("on a branch: the latest run says how it ended, not only that it is the latest", () => {
    const r = check(
      workflowKind,
      { file: "ci.yml", branch: "main", streak: 1 },
      { runs: [run({ branch: "main", conclusion: "success" })] },
    );
    expect(r.evidence?.map((e) => e.label)).toEqual(["ci.yml run (latest, success)"]);
  });
});
