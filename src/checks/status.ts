import { z } from "zod";
import { ALL_CONTEXTS, defineKind } from "./types.js";

export const statusKind = defineKind({
  name: "status",
  description:
    "A check run or commit status with this name succeeded on the evaluated commit (CI outside GitHub Actions).",
  schema: z.strictObject({
    name: z.string().min(1).describe("Check run name or commit status context."),
    conclusions: z
      .array(z.string().min(1))
      .min(1)
      .default(["success"])
      .describe("Conclusions (check runs) or states (statuses) that count as success."),
  }),
  appliesTo: ALL_CONTEXTS,
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
