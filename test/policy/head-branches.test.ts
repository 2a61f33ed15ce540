// applies.pullRequests.headBranches: a PR's author names its head branch, so it may only add PRs to the gate.
import { describe, expect, it } from "vitest";
import { gatesPullRequest } from "../../src/app/applies.js";
import { formatPolicyError, type LoadResult, loadPolicy } from "../../src/policy/load.js";

const F = ".readiness.yml";
const errorsOf = (r: LoadResult): string[] => (r.ok ? [] : r.errors.map(formatPolicyError));
const doc = (applies: string) =>
  `version: 1\napplies:\n  pullRequests: ${applies}\nchecks:\n  readme: {file: {path: README.md}}\n`;

describe("applies.pullRequests.headBranches", () => {
  it("adds git-flow release PRs (release/* → main) to what branches gate", async () => {
    const r = await loadPolicy(doc('{ branches: [develop], headBranches: ["release/**"] }'), F);
    if (!r.ok) throw new Error(errorsOf(r).join("\n"));
    const pr = (baseRef: string, headRef: string) => ({ baseRef, headRef, labels: [] });
    expect(gatesPullRequest(r.policy, pr("main", "release/2.0"))).toBe(true);
    expect(gatesPullRequest(r.policy, pr("develop", "feature/x"))).toBe(true);
    expect(gatesPullRequest(r.policy, pr("main", "feature/x"))).toBe(false);
    // The head branch never takes a PR out: a PR into develop is gated whatever its head is called.
    expect(gatesPullRequest(r.policy, pr("develop", "anything"))).toBe(true);
  });

  it("alone it is refused at file:line:column: the PR's author could leave the gate by renaming", async () => {
    const r = await loadPolicy(doc('{ headBranches: ["release/**"] }'), F);
    expect(errorsOf(r)).toEqual([
      ".readiness.yml:3:19: applies.pullRequests.headBranches: headBranches only adds pull requests to those `branches` or `labels` gate: alone, a pull request's author could leave the gate by naming the head branch otherwise. Add the base branches too, e.g. `branches: [main]`",
    ]);
  });

  it("its globs are compiled like the others: one RE2 cannot take is refused", async () => {
    const r = await loadPolicy(doc('{ branches: [main], headBranches: ["!(release)/**"] }'), F);
    expect(errorsOf(r)).toHaveLength(1);
    expect(errorsOf(r)[0]).toMatch(/^\.readiness\.yml:3:\d+: applies\.pullRequests\.headBranches\[0\]: /);
  });
});
