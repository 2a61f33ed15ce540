import { z } from "zod";
import { ALL_CONTEXTS, defineKind } from "./types.js";

const jsonAssertion = z
  .strictObject({
    file: z.string().min(1).describe("JSON file inside the artifact."),
    path: z.string().min(1).describe("Dotted path to the figure, e.g. metrics.p95_ms or results.0.passed."),
    below: z.number().optional().describe("The figure must be strictly below this."),
    atMost: z.number().optional().describe("The figure must be at most this."),
    atLeast: z.number().optional().describe("The figure must be at least this."),
    above: z.number().optional().describe("The figure must be strictly above this."),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional().describe("The value must equal this."),
  })
  .refine((j) => [j.below, j.atMost, j.atLeast, j.above, j.equals].some((v) => v !== undefined), {
    message: "a json assertion needs one of below, atMost, atLeast, above, equals",
  });

export const artifactKind = defineKind({
  name: "artifact",
  description:
    "A workflow run produced an artifact; optionally a JSON file inside it satisfies a comparison (coverage, latency SLOs, drill results).",
  schema: z.strictObject({
    workflow: z.string().min(1).describe("Workflow file (load.yml) or name."),
    name: z.string().min(1).describe("Artifact name."),
    branch: z
      .string()
      .min(1)
      .optional()
      .describe("Take the latest successful run on this branch instead of the evaluated commit."),
    json: jsonAssertion.optional(),
  }),
  appliesTo: ALL_CONTEXTS,
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
