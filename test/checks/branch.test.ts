import { describe, expect, it } from "vitest";
import { branchKind } from "../../src/checks/branch.js";
import { check, evaluateWorld, localTarget, prTarget, releaseTarget } from "./helpers.js";

const rules = { branch: "main", requiredChecks: ["CI", "lint"], requiredReviews: 1 };

describe("branch", () => {
  it("looks at the pull request's base, else the default branch, else the one named", () => {
    expect(check(branchKind, { minReviews: 1 }).asked).toEqual([{ type: "branchRules", branch: "main" }]);
    const onRelease = check(
      branchKind,
      { minReviews: 1 },
      {},
      { target: { ...releaseTarget, repository: { owner: "acme", name: "shop", defaultBranch: "trunk" } } },
    );
    expect(onRelease.asked).toEqual([{ type: "branchRules", branch: "trunk" }]);
    expect(check(branchKind, { name: "release/1.x", minReviews: 1 }).asked).toEqual([
      { type: "branchRules", branch: "release/1.x" },
    ]);
  });

  it("is unknown when no branch can be told", () => {
    const r = check(branchKind, { minReviews: 1 }, {}, { target: localTarget });
    expect(r.asked).toEqual([]);
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("name: main");
  });

  it("passes when the rules require the checks and enough reviews", () => {
    const r = check(branchKind, { requiresChecks: ["CI"], minReviews: 1 }, { branchRules: [rules] });
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("main requires checks CI and 1 approving review");
  });

  it("gives partial credit by part and says what is missing", () => {
    const r = check(
      branchKind,
      { requiresChecks: ["CI", "e2e", "deploy-preview"], minReviews: 2 },
      { branchRules: [rules] },
    );
    expect(r.status).toBe("fail");
    expect(r.credit).toBe(0.25);
    expect(r.summary).toBe(
      "main does not require e2e and deploy-preview; requires 1 approving review (policy: 2)",
    );
    expect(r.fix).toContain("require e2e and deploy-preview and require 2 approving reviews");
  });

  it("treats no review requirement plainly", () => {
    const r = check(branchKind, { minReviews: 1 }, { branchRules: [{ ...rules, requiredReviews: 0 }] });
    expect(r.summary).toBe("main requires no approving review (policy: 1)");
  });

  it("propagates unreadable rules as unknown", () => {
    const r = check(
      branchKind,
      { minReviews: 1 },
      { unknown: { branchRules: "administration: read is missing" } },
    );
    expect(r.status).toBe("unknown");
    expect(r.summary).toBe("the rules of main could not be read: administration: read is missing");
  });
});

describe("branch through the engine", () => {
  it("scores the base branch of a pull request", () => {
    const report = evaluateWorld(
      { version: 1, checks: { protected: { branch: { requiresChecks: ["CI", "e2e"] } } } },
      { branchRules: [rules] },
      prTarget,
    );
    expect(report.checks[0]?.status).toBe("fail");
    expect(report.score).toBe(50);
  });
});
