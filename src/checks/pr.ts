import { z } from "zod";
import { defineKind } from "./types.js";

export const prKind = defineKind({
  name: "pr",
  description: "The pull request carries labels and changes files (each glob matched by a changed file).",
  schema: z
    .strictObject({
      labels: z.array(z.string().min(1)).min(1).optional().describe("Labels the pull request must carry."),
      changedFiles: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe("Globs each matched by at least one changed file, e.g. CHANGELOG.md."),
    })
    .refine((p) => p.labels !== undefined || p.changedFiles !== undefined, {
      message: "a pr check needs labels or changedFiles",
    }),
  appliesTo: ["pull_request"],
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
