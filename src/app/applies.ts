// Which targets a policy gates. Pure. The policy asked is always the BASE branch's (or the default
// branch's), so a pull request cannot take itself out of the gate by editing .readiness.yml.
import type { Report } from "../engine/types.js";
import { POLICY_FILES } from "../evidence/github/policy-source.js";
// RE2, linear in the name: a branch policy anyone with push can write supplies these globs.
import { globMatcher as matcher } from "../evidence/glob.js";
import type { Policy } from "../policy/schema.js";

export interface PullRequestShape {
  baseRef: string;
  /** The head branch: named by the PR's author (a fork's too), so it may only add a PR to the gate. */
  headRef?: string;
  labels: readonly string[];
}

/**
 * A pull request is gated when its base branch matches a glob, it carries one of the labels, or its head
 * branch matches a `headBranches` glob. Any one suffices: the head branch can add a PR, never take one out.
 */
export function gatesPullRequest(policy: Policy, pr: PullRequestShape): boolean {
  const rule = policy.applies.pullRequests;
  if (rule === false) return false;
  const branches = rule.branches ?? [];
  const labels = rule.labels ?? [];
  if (branches.length === 0 && labels.length === 0) return true;
  if (branches.some((g) => matcher(g)(pr.baseRef))) return true;
  const head = pr.headRef;
  if (head !== undefined && (rule.headBranches ?? []).some((g) => matcher(g)(head))) return true;
  const wanted = new Set(labels.map((l) => l.toLowerCase()));
  return pr.labels.some((l) => wanted.has(l.toLowerCase()));
}

/** GitHub environment names are case-insensitive (`Production` is `production`), so is this match. */
export function gatesEnvironment(policy: Policy, environment: string): boolean {
  const name = environment.toLowerCase();
  return policy.applies.environments.some((g) => matcher(g.toLowerCase())(name));
}

export function gatesReleases(policy: Policy): boolean {
  return policy.applies.releases;
}

const TIMED_KINDS = ["file", "workflow", "signoff"] as const;

/**
 * Whether the result can change with time alone, without any event: a waiver that expires, a maxAgeDays
 * limit that a file, a workflow run or a sign-off ages past. Reconcile revisits such targets.
 */
export function isTimeSensitive(policy: Policy, report?: Report): boolean {
  if (policy.waivers.length > 0) return true;
  if (report?.waivers.some((w) => w.state === "applied")) return true;
  for (const check of Object.values(policy.checks)) {
    for (const kind of TIMED_KINDS) {
      const params = check[kind] as { maxAgeDays?: number } | undefined;
      if (params?.maxAgeDays !== undefined) return true;
    }
  }
  return false;
}

export function isPolicyPath(path: string): boolean {
  return (POLICY_FILES as readonly string[]).includes(path);
}
