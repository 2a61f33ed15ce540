import { z } from "zod";
import { globList } from "./common.js";
import { ALL_CONTEXTS, defineKind } from "./types.js";

export const fileKind = defineKind({
  name: "file",
  description:
    "Files present in the commit: a path or glob, or a list of them (partial credit = share satisfied), optionally with a minimum size, a pattern they must contain and a maximum age measured from the last commit that touched them.",
  schema: z.strictObject({
    path: globList.describe("A path or glob (dot-directories included), or a list of them."),
    minBytes: z.number().int().min(0).optional().describe("Smallest acceptable size in bytes."),
    contains: z
      .string()
      .min(1)
      .optional()
      .describe("Regular expression (RE2 syntax, linear time) the file must contain."),
    maxAgeDays: z
      .number()
      .positive()
      .optional()
      .describe("The last commit touching the file must be at most this many days old."),
  }),
  appliesTo: ALL_CONTEXTS,
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
