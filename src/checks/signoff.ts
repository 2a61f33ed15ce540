import { z } from "zod";
import { ALL_CONTEXTS, defineKind } from "./types.js";

export const signoffKind = defineKind({
  name: "signoff",
  description:
    "A person from the given users or teams signed off with /readiness signoff in the pull request; maxAgeDays makes it recur.",
  schema: z
    .strictObject({
      users: z.array(z.string().min(1)).optional().describe("GitHub logins allowed to sign off."),
      teams: z
        .array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, "teams are written org/team-slug"))
        .optional()
        .describe("Teams (org/team-slug) whose members may sign off."),
      count: z.number().int().min(1).default(1).describe("Distinct people who must sign off."),
      maxAgeDays: z.number().positive().optional().describe("A sign-off counts for this many days."),
      resetOnPush: z
        .boolean()
        .default(false)
        .describe("A new push to the pull request voids earlier sign-offs."),
    })
    .refine((s) => (s.users?.length ?? 0) + (s.teams?.length ?? 0) > 0, {
      message: "a signoff check needs users or teams",
    }),
  appliesTo: ALL_CONTEXTS,
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
