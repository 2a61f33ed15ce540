import { z } from "zod";
import { ALL_CONTEXTS, defineKind } from "./types.js";

export const workflowKind = defineKind({
  name: "workflow",
  description:
    "A GitHub Actions workflow succeeded: on the evaluated commit, or (with branch) in its latest runs on a branch, no older than maxAgeDays and with a streak of consecutive successes; optionally named jobs must have succeeded.",
  schema: z
    .strictObject({
      name: z.string().min(1).optional().describe("Workflow name, as in its `name:`."),
      file: z.string().min(1).optional().describe("Workflow file, e.g. ci.yml or .github/workflows/ci.yml."),
      branch: z
        .string()
        .min(1)
        .optional()
        .describe("Look at the latest runs on this branch instead of the evaluated commit."),
      maxAgeDays: z.number().positive().optional().describe("The latest successful run must be this recent."),
      streak: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("The last N completed runs must all have succeeded."),
      jobs: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("Jobs of the run that must have succeeded."),
      conclusions: z
        .array(z.string().min(1))
        .min(1)
        .default(["success"])
        .describe("Conclusions that count as success."),
    })
    .refine((p) => p.name !== undefined || p.file !== undefined, {
      message: "a workflow check needs a name or a file",
    }),
  appliesTo: ALL_CONTEXTS,
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
