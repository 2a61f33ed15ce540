// Monorepo projects for a pull request: which declared projects its files touch (both sides of a rename), each
// project's policy read at the BASE ref (never the head: a PR that deletes or loosens a project's policy is
// still judged by it), then one evaluation for the root and every touched project (docs/configuration.md).
// A repository whose policy declares no `projects` makes no request here.
import type { Logger } from "probot";
import { type ChangedPolicyProblem, flagChangedPolicies } from "../engine/projects.js";
import type { RunOptions } from "../engine/run.js";
import { type ProjectPolicy, runWithProjects } from "../engine/run-projects.js";
import type { Report } from "../engine/types.js";
import { remoteFetcher } from "../evidence/github/policy-source.js";
import type { EvidenceProvider, Target } from "../evidence/types.js";
import { formatPolicyError } from "../policy/errors.js";
import {
  isLiteralProject,
  MAX_CANDIDATES_PER_CHANGE,
  MAX_PROJECTS_PER_CHANGE,
  PROJECT_POLICY_FILE,
  touchedProjects,
} from "../policy/projects.js";
import type { Policy } from "../policy/schema.js";
import type { AppOctokit } from "./octokit.js";
import { validate } from "./policy.js";

/** GitHub lists at most 3,000 files of a pull request: a list that long may be cut short. */
export const MAX_LISTED_FILES = 3000;

interface Loc {
  owner: string;
  repo: string;
}

/** Said when the gate cannot tell which projects a change touches: it fails closed. */
export class ProjectsUnknownError extends Error {
  override readonly name = "ProjectsUnknownError";
}

/** The paths a pull request changes, with the old path of every rename. Throws when GitHub's list may be cut. */
export async function changedPaths(octokit: AppOctokit, loc: Loc, number: number): Promise<string[]> {
  const paths = new Set<string>();
  let listed = 0;
  for await (const page of octokit.paginate.iterator("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
    owner: loc.owner,
    repo: loc.repo,
    pull_number: number,
    per_page: 100,
  })) {
    for (const f of page.data) {
      listed++;
      paths.add(f.filename);
      if (f.previous_filename) paths.add(f.previous_filename);
    }
    if (listed >= MAX_LISTED_FILES) break;
  }
  if (listed >= MAX_LISTED_FILES)
    throw new ProjectsUnknownError(
      `pull request #${number} changes ${MAX_LISTED_FILES.toLocaleString("en")} files or more, and GitHub lists no more than that: the gate cannot tell which projects it touches. Split it.`,
    );
  return [...paths];
}

/**
 * The policies of the declared projects `paths` touch, read at `ref`. A directory matched by a glob without a
 * policy there is no project; a directory named literally must hold one. A project's policy may extend
 * presets and files of this repository at `ref`, never another repository.
 */
export async function readProjects(
  octokit: AppOctokit,
  loc: Loc,
  ref: string,
  patterns: readonly string[],
  paths: readonly string[],
  now: Date,
): Promise<ProjectPolicy[]> {
  const dirs = touchedProjects(patterns, paths);
  // Each candidate directory costs a request: a change spreading over very many (a fork adding thousands of
  // directories) fails closed rather than spending the installation's rate limit.
  if (dirs.length > MAX_CANDIDATES_PER_CHANGE)
    throw new ProjectsUnknownError(
      `the change touches ${dirs.length} directories that could be projects; the gate looks at most ${MAX_CANDIDATES_PER_CHANGE} up. Split it.`,
    );
  const fetch = remoteFetcher(octokit as never, { strict: true });
  const literal = new Set(patterns.filter(isLiteralProject));
  const out: ProjectPolicy[] = [];
  for (const dir of dirs) {
    const file = `${dir}/${PROJECT_POLICY_FILE}`;
    const text = await fetch({ owner: loc.owner, repo: loc.repo, path: file, ref });
    if (text === null) {
      if (literal.has(dir))
        out.push({ path: dir, policy: file, ok: false, problem: `${file} does not exist on \`${ref}\`.` });
      continue;
    }
    if (out.length >= MAX_PROJECTS_PER_CHANGE)
      throw new ProjectsUnknownError(
        `the change touches more than ${MAX_PROJECTS_PER_CHANGE} projects; the gate judges at most ${MAX_PROJECTS_PER_CHANGE} at once. Split it.`,
      );
    const source = { text, path: file, repo: `${loc.owner}/${loc.repo}`, ref };
    const lookup = await validate(octokit, source, now, false, "presets-and-same-commit");
    if (lookup.state === "ok") out.push({ path: dir, policy: file, ok: true, value: lookup.policy });
    else if (lookup.state === "invalid")
      out.push({
        path: dir,
        policy: file,
        ok: false,
        problem: `${file} on \`${ref}\` is not a valid policy: ${lookup.errors.slice(0, 3).map(formatPolicyError).join("; ")}`,
      });
    else
      out.push({
        path: dir,
        policy: file,
        ok: false,
        problem: `${file} on \`${ref}\` extends a file of another repository; a project's policy may extend presets and files of this repository only.`,
      });
  }
  return out;
}

/** A pull request's evaluation: the root policy alone, or with the projects it touches. */
export async function evaluatePullRequest(o: {
  octokit: AppOctokit;
  loc: Loc;
  number: number;
  baseRef: string;
  policy: Policy;
  provider: EvidenceProvider;
  target: Target;
  now: Date;
  log: Logger;
  /** The engine with the verdict history (TargetDeps.evaluate), and the history alone for a combined report. */
  evaluate: (options: RunOptions) => Promise<Report>;
  recorded: (report: Report) => void;
}): Promise<Report> {
  const { policy, provider, target, now } = o;
  if (!policy.projects) return o.evaluate({ policy, provider, target, now });
  const paths = await changedPaths(o.octokit, o.loc, o.number);
  const projects = await readProjects(o.octokit, o.loc, o.baseRef, policy.projects, paths, now);
  o.log.debug({ pr: o.number, projects: projects.map((p) => p.path) }, "monorepo projects touched");
  const report = await runWithProjects({ policy, provider, target, now, projects });
  const changed = target.sha
    ? await changedPolicyProblems(o.octokit, o.loc, target.sha, policy.projects, paths, now)
    : [];
  const combined = flagChangedPolicies(report, changed);
  o.recorded(combined);
  return combined;
}

/**
 * The projects' policies this change edits, validated strictly at its commit as the root's is (presets and
 * files of this commit only): those that would not validate once merged.
 */
async function changedPolicyProblems(
  octokit: AppOctokit,
  loc: Loc,
  sha: string,
  patterns: readonly string[],
  paths: readonly string[],
  now: Date,
): Promise<ChangedPolicyProblem[]> {
  const suffix = `/${PROJECT_POLICY_FILE}`;
  const edited = paths.filter((p) => p.endsWith(suffix));
  const dirs = new Set(touchedProjects(patterns, edited));
  const fetch = remoteFetcher(octokit as never, { strict: true });
  const out: ChangedPolicyProblem[] = [];
  for (const file of edited.slice(0, MAX_PROJECTS_PER_CHANGE)) {
    const dir = file.slice(0, -suffix.length);
    if (!dirs.has(dir)) continue;
    const text = await fetch({ owner: loc.owner, repo: loc.repo, path: file, ref: sha });
    if (text === null) continue; // deleted or moved: the base's still judges (docs/security.md §4.5)
    const source = { text, path: file, repo: `${loc.owner}/${loc.repo}`, ref: sha };
    const lookup = await validate(octokit, source, now, true, "presets-and-same-commit");
    if (lookup.state === "invalid")
      out.push({
        path: dir,
        policy: file,
        problem: `${file} as changed in this pull request is not a valid policy: ${lookup.errors.slice(0, 3).map(formatPolicyError).join("; ")}`,
      });
  }
  return out;
}
