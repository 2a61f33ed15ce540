import { describe, expect, it } from "vitest";
import { prKind } from "../../src/checks/pr.js";
import type { PullRequestFacts } from "../../src/evidence/types.js";
import { check, evaluateWorld, prTarget, releaseTarget } from "./helpers.js";

const pr = (over: Partial<PullRequestFacts> = {}): PullRequestFacts => ({
  number: 42,
  title: "Release 1.2",
  labels: ["release", "Reviewed"],
  changedFiles: ["CHANGELOG.md", "src/app.ts", ".github/workflows/ci.yml"],
  changedFilesTruncated: false,
  url: "https://github.com/acme/shop/pull/42",
  ...over,
});

describe("pr", () => {
  it("asks for the pull request", () => {
    expect(check(prKind, { labels: ["release"] }).asked).toEqual([{ type: "pullRequest" }]);
  });

  it("passes when labels are there (case-insensitively) and each glob matches a changed file", () => {
    const r = check(
      prKind,
      { labels: ["release", "reviewed"], changedFiles: ["CHANGELOG.md", ".github/**"] },
      { pullRequest: pr() },
    );
    expect(r.status).toBe("pass");
    expect(r.summary).toBe(
      "labelled release, labelled reviewed, changes CHANGELOG.md, changes .github/workflows/ci.yml",
    );
    expect(r.evidence?.[0]?.url).toBe("https://github.com/acme/shop/pull/42");
  });

  it("gives the share of parts and says what is missing", () => {
    const r = check(
      prKind,
      { labels: ["release", "qa-approved"], changedFiles: ["CHANGELOG.md", "docs/**"] },
      { pullRequest: pr() },
    );
    expect(r.status).toBe("fail");
    expect(r.credit).toBe(0.5);
    expect(r.summary).toBe("missing label qa-approved; no change to docs/**");
    expect(r.fix).toBe("Add the label qa-approved and change docs/** in this pull request");
  });

  it("is unknown when GitHub cut the changed-file list and a glob is unmatched", () => {
    const r = check(
      prKind,
      { changedFiles: ["docs/**"] },
      { pullRequest: pr({ changedFilesTruncated: true }) },
    );
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("first 3 changed files");
    const matched = check(
      prKind,
      { changedFiles: ["CHANGELOG.md"] },
      { pullRequest: pr({ changedFilesTruncated: true }) },
    );
    expect(matched.status).toBe("pass");
  });

  it("a missing label decides even when the file list was cut", () => {
    const r = check(
      prKind,
      { labels: ["qa"], changedFiles: ["docs/**"] },
      { pullRequest: pr({ changedFilesTruncated: true }) },
    );
    expect(r.status).toBe("fail");
  });

  it("propagates an unreadable pull request as unknown", () => {
    const r = check(prKind, { labels: ["release"] }, { unknown: { pullRequest: "GitHub answered 404" } });
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("GitHub answered 404");
  });
});

describe("pr through the engine", () => {
  const policy = { version: 1 as const, checks: { changelog: { pr: { changedFiles: ["CHANGELOG.md"] } } } };

  it("is evaluated on a pull request", () => {
    const report = evaluateWorld(policy, { pullRequest: pr() }, prTarget);
    expect(report.checks[0]?.status).toBe("pass");
  });

  it("is skipped on a release", () => {
    const report = evaluateWorld(policy, { pullRequest: pr() }, releaseTarget);
    expect(report.checks[0]?.status).toBe("skipped");
    expect(report.checks[0]?.summary).toContain("pr checks apply to pull requests only");
  });
});
