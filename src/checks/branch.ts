import { z } from "zod";
import type { Need, NeedOf, Target } from "../evidence/types.js";
import { failed, joinAnd, type Part, passed, plural, settle, unknownResult } from "./common.js";
import { ALL_CONTEXTS, defineKind } from "./types.js";

const schema = () =>
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .optional()
        .describe("Branch; default: the pull request's base, else the default branch."),
      requiresChecks: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("Status checks that must be required."),
      minReviews: z.number().int().min(1).optional().describe("Approving reviews that must be required."),
    })
    .refine((b) => b.requiresChecks !== undefined || b.minReviews !== undefined, {
      message: "a branch check needs requiresChecks or minReviews",
    });
type Params = z.output<ReturnType<typeof schema>>;

/** The branch whose rules matter: the one named, else where the pull request merges, else the default branch. */
const branchOf = (p: Params, target: Target): string | undefined =>
  p.name ?? target.pullRequest?.baseRef ?? target.repository?.defaultBranch;

const rulesNeed = (branch: string): NeedOf<"branchRules"> => ({ type: "branchRules", branch });

export const branchKind = defineKind({
  name: "branch",
  description:
    "Branch rules (rulesets or branch protection) require given checks and a number of approving reviews.",
  schema,
  appliesTo: ALL_CONTEXTS,
  needs: (p, { target }): Need[] => {
    const branch = branchOf(p, target);
    return branch === undefined ? [] : [rulesNeed(branch)];
  },
  evaluate: (p, { facts, target }) => {
    const branch = branchOf(p, target);
    if (branch === undefined) {
      return unknownResult("which branch to look at is not known: name one in the check, e.g. name: main");
    }
    const fact = facts.get(rulesNeed(branch));
    if (fact.state === "unknown")
      return unknownResult(`the rules of ${branch} could not be read: ${fact.reason}`);
    const rules = fact.value;
    // Check contexts are matched exactly, as GitHub does when it enforces them.
    const required = new Set(rules.requiredChecks);
    const checks = p.requiresChecks ?? [];
    const notRequired = checks.filter((c) => !required.has(c));
    const parts: Part[] = checks.map((c) => ({ state: required.has(c) ? "ok" : "fail" }));
    const reviewsShort = p.minReviews !== undefined && rules.requiredReviews < p.minReviews;
    if (p.minReviews !== undefined) parts.push({ state: reviewsShort ? "fail" : "ok" });
    const { status, credit } = settle(parts);

    const reviews = plural(rules.requiredReviews, "approving review");
    if (status === "pass") {
      const what = [
        ...(checks.length ? [`checks ${joinAnd(checks)}`] : []),
        ...(p.minReviews !== undefined ? [reviews] : []),
      ];
      return passed(`${branch} requires ${joinAnd(what)}`);
    }
    const problems: string[] = [];
    const fixes: string[] = [];
    if (notRequired.length > 0) {
      problems.push(`does not require ${joinAnd(notRequired)}`);
      fixes.push(`require ${joinAnd(notRequired)}`);
    }
    if (reviewsShort) {
      problems.push(
        `requires ${rules.requiredReviews === 0 ? "no approving review" : reviews} (policy: ${p.minReviews})`,
      );
      fixes.push(`require ${plural(p.minReviews!, "approving review")}`);
    }
    return failed(`${branch} ${problems.join("; ")}`, credit, {
      fix: `In Settings → Rules (or branch protection) for ${branch}, ${joinAnd(fixes)}`,
    });
  },
});
