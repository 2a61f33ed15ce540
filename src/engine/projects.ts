// One report for a monorepo change: the root policy's, with every touched project's checks beside it (their
// ids carry the project, see src/policy/projects.ts) and the most restrictive verdict of all. Pure.
import type { CheckReport, ProjectSummary, Report, Verdict } from "./types.js";

/** A project judged (`report`), or one that could not be (`problem`: no policy, invalid, unreadable). */
export interface ProjectOutcome {
  /** The project directory, e.g. services/api. */
  path: string;
  /** Its policy file, relative to the repository root. */
  policy: string;
  report?: Report;
  problem?: string;
}

const RANK: Record<Verdict, number> = { go: 0, pending: 1, "no-go": 2 };

/** The check that stands for a project the gate could not judge: an error, so the verdict fails closed. */
function problemCheck(p: ProjectOutcome): CheckReport {
  return {
    id: `${p.path}:policy`,
    title: `Policy of ${p.path}`,
    category: `${p.path}:policy`,
    kind: "policy",
    required: true,
    weight: 1,
    status: "error",
    credit: 0,
    summary: p.problem ?? "The project's policy could not be read.",
    fix: `Make ${p.policy} on the base branch a valid policy.`,
    waiver: null,
    waivable: false,
    cost: 0,
  };
}

function summaryOf(p: ProjectOutcome): ProjectSummary {
  const r = p.report;
  if (!r)
    return {
      path: p.path,
      policy: p.policy,
      verdict: "no-go",
      score: null,
      minScore: null,
      incomplete: true,
    };
  return {
    path: p.path,
    policy: p.policy,
    verdict: r.verdict,
    score: r.score,
    minScore: r.minScore,
    incomplete: r.incomplete,
  };
}

/**
 * The root report with the projects' results folded in. Score and minScore stay the root policy's; each
 * project's are in `projects`. The verdict is the most restrictive one; a project that could not be judged
 * is NO-GO and makes the report incomplete.
 */
export function combineProjects(root: Report, projects: readonly ProjectOutcome[]): Report {
  if (projects.length === 0) return { ...root, projects: [] };
  let verdict = root.verdict;
  let incomplete = root.incomplete;
  // Conclusive: some NO-GO that nothing unknown can change, or nothing unknown anywhere.
  let definiteNoGo = root.verdict === "no-go" && root.conclusive;
  let allConclusive = root.conclusive;
  const checks = [...root.checks];
  const categories = [...root.categories];
  const blocking = [...root.blocking];
  const pending = [...root.pending];
  const waivers = [...root.waivers];
  const notes = [...root.notes];
  for (const p of projects) {
    const r = p.report;
    if (!r) {
      verdict = "no-go";
      incomplete = true;
      allConclusive = false;
      const check = problemCheck(p);
      checks.push(check);
      categories.push({ id: check.category, title: `Policy (${p.path})`, weight: 1, score: 0, checks: 1 });
      blocking.push(check.id);
      continue;
    }
    if (RANK[r.verdict] > RANK[verdict]) verdict = r.verdict;
    incomplete ||= r.incomplete;
    allConclusive &&= r.conclusive;
    definiteNoGo ||= r.verdict === "no-go" && r.conclusive;
    checks.push(...r.checks);
    categories.push(...r.categories);
    blocking.push(...r.blocking);
    pending.push(...r.pending);
    // Comment waivers were the root's to apply; a project only names its own policy's.
    waivers.push(...r.waivers.filter((w) => w.source === "policy"));
    notes.push(...r.notes.map((n) => `${p.path}: ${n}`));
  }
  return {
    ...root,
    verdict,
    incomplete,
    conclusive: definiteNoGo || allConclusive,
    checks,
    categories,
    blocking,
    pending,
    waivers,
    notes,
    projects: projects.map(summaryOf),
  };
}

/** A project's policy a pull request changes, which would not validate once merged. */
export interface ChangedPolicyProblem {
  path: string;
  policy: string;
  problem: string;
}

/**
 * A project's policy changed by the change under evaluation that does not validate: a failing required check
 * (as the root policy's would fail the run), so a broken policy is fixed before it becomes the gate.
 */
export function flagChangedPolicies(report: Report, problems: readonly ChangedPolicyProblem[]): Report {
  if (problems.length === 0) return report;
  const checks = problems.map(
    (p): CheckReport => ({
      id: `${p.path}:policy-in-change`,
      title: `${p.policy} as changed here`,
      category: `${p.path}:policy`,
      kind: "policy",
      required: true,
      weight: 1,
      status: "fail",
      credit: 0,
      summary: p.problem,
      fix: `Fix ${p.policy}: it would become the project's gate once merged. This result uses the base branch's.`,
      waiver: null,
      waivable: false,
      cost: 0,
    }),
  );
  return {
    ...report,
    verdict: "no-go",
    conclusive: true,
    checks: [...report.checks, ...checks],
    categories: [
      ...report.categories,
      ...problems
        .filter((p) => !report.categories.some((c) => c.id === `${p.path}:policy`))
        .map((p) => ({
          id: `${p.path}:policy`,
          title: `Policy (${p.path})`,
          weight: 1,
          score: 0,
          checks: 1,
        })),
    ],
    blocking: [...report.blocking, ...checks.map((c) => c.id)],
  };
}
