import { z } from "zod";
import { ALL_CONTEXTS, defineKind } from "./types.js";

export const branchKind = defineKind({
  name: "branch",
  description:
    "Branch rules (rulesets or branch protection) require given checks and a number of approving reviews.",
  schema: z
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
    }),
  appliesTo: ALL_CONTEXTS,
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
