import { z } from "zod";
import { ALL_CONTEXTS, defineKind } from "./types.js";

export const alertsKind = defineKind({
  name: "alerts",
  description:
    "No open security alert above a severity from Dependabot, code scanning or secret scanning (secret-scanning alerts count as critical).",
  schema: z.strictObject({
    sources: z
      .array(z.enum(["dependabot", "code-scanning", "secret-scanning"]))
      .min(1)
      .default(["dependabot", "code-scanning", "secret-scanning"]),
    maxSeverity: z
      .enum(["none", "low", "medium", "high"])
      .default("medium")
      .describe("Highest severity allowed to stay open; none allows no open alert."),
  }),
  appliesTo: ALL_CONTEXTS,
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
