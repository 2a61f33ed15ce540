// A monorepo evaluation: the root policy, then each project's (scoped, see src/policy/projects.ts) on the same
// provider, so evidence asked by several policies (the file index, workflow runs) is read once.
import type { EvidenceProvider, Target } from "../evidence/types.js";
import { scopePolicy } from "../policy/projects.js";
import type { Policy } from "../policy/schema.js";
import { combineProjects, type ProjectOutcome } from "./projects.js";
import { runEvaluation } from "./run.js";
import type { Report } from "./types.js";

/** A project's policy as read from where the root's was: valid, or the reason it cannot judge. */
export type ProjectPolicy =
  | { path: string; policy: string; ok: true; value: Policy }
  | { path: string; policy: string; ok: false; problem: string };

export interface ProjectRunOptions {
  policy: Policy;
  provider: EvidenceProvider;
  target: Target;
  now: Date;
  /** The projects to judge beside the root policy, already read. */
  projects: readonly ProjectPolicy[];
}

export async function runWithProjects(o: ProjectRunOptions): Promise<Report> {
  const root = await runEvaluation(o);
  const outcomes: ProjectOutcome[] = [];
  for (const p of o.projects) {
    if (!p.ok) {
      outcomes.push({ path: p.path, policy: p.policy, problem: p.problem });
      continue;
    }
    const report = await runEvaluation({ ...o, policy: scopePolicy(p.value, p.path) });
    outcomes.push({ path: p.path, policy: p.policy, report });
  }
  return combineProjects(root, outcomes);
}
