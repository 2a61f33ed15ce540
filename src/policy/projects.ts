// Monorepo projects: which directories the root policy's `projects` declares, which of them a change touches,
// and a project's policy rewritten so it can be evaluated beside the root's (docs/configuration.md#projects).
//
// Like CODEOWNERS and policy-bot's `changed_files`, a project is chosen by the paths a change touches; unlike
// CODEOWNERS' "last match wins", a file belongs to EVERY declared project that contains it (nested projects
// both judge it), and the root policy always judges too: adding a project never loosens the gate.
import { globMatcher } from "../evidence/glob.js";
import { DEFAULT_CATEGORY, type Policy } from "./schema.js";

/** The file a project directory holds its policy in. */
export const PROJECT_POLICY_FILE = ".readiness.yml";

/** Projects one evaluation may judge; a change touching more fails closed (split it, or list fewer). */
export const MAX_PROJECTS_PER_CHANGE = 25;

/** Directories a change may touch that could be projects (each is one policy read); more fails closed. */
export const MAX_CANDIDATES_PER_CHANGE = 100;

/** Separates a project from its check, category and waiver ids in the combined report: `services/api:runbook`. */
export const PROJECT_SEPARATOR = ":";

/** True when `pattern` names one directory exactly (no glob characters). */
export const isLiteralProject = (pattern: string): boolean => !/[*?[\]{}()!+@]/.test(pattern);

function matcher(patterns: readonly string[]): (dir: string) => boolean {
  const tests = patterns.map((p) => (isLiteralProject(p) ? (d: string) => d === p : globMatcher(p)));
  return (dir) => tests.some((t) => t(dir));
}

/**
 * The ancestor directories of a repository path no deeper than `depth` segments (`a/b/c.txt` → `a`, `a/b`).
 * Projects are declared without `**`, so deeper ones can never match: a path 3,000 segments deep costs
 * `depth` steps, not a quadratic walk.
 */
function ancestors(path: string, depth: number): string[] {
  const out: string[] = [];
  let end = -1;
  for (let i = 0; i < depth; i++) {
    end = path.indexOf("/", end + 1);
    if (end === -1) break;
    out.push(path.slice(0, end));
  }
  return out;
}

/** How many segments the deepest declared pattern has. */
const depthOf = (patterns: readonly string[]): number =>
  Math.max(0, ...patterns.map((p) => p.split("/").length));

/**
 * The declared project directories that contain any of `paths` (a change's files, both sides of a rename),
 * sorted. A glob-declared directory is a project only if it holds a policy: the caller reads it to know.
 */
export function touchedProjects(patterns: readonly string[], paths: Iterable<string>): string[] {
  const isProject = matcher(patterns);
  const depth = depthOf(patterns);
  const seen = new Map<string, boolean>();
  for (const path of paths)
    for (const dir of ancestors(path, depth)) if (!seen.has(dir)) seen.set(dir, isProject(dir));
  return [...seen]
    .filter(([, yes]) => yes)
    .map(([dir]) => dir)
    .sort();
}

/**
 * Every project of a tree (all its paths): each declared literal directory, and each directory matching a
 * declared glob that holds a policy file. Sorted.
 */
export function allProjects(patterns: readonly string[], paths: Iterable<string>): string[] {
  const isProject = matcher(patterns);
  const out = new Set(patterns.filter(isLiteralProject));
  const suffix = `/${PROJECT_POLICY_FILE}`;
  for (const path of paths)
    if (path.endsWith(suffix)) {
      const dir = path.slice(0, -suffix.length);
      if (isProject(dir)) out.add(dir);
    }
  return [...out].sort();
}

/** Where a project's path lives in the repository (the loader refused absolute paths and `..`). */
export const inProject = (dir: string, path: string): string => `${dir}/${path}`;

const rebase = (dir: string, value: unknown): unknown =>
  typeof value === "string"
    ? inProject(dir, value)
    : Array.isArray(value)
      ? value.map((v) => (typeof v === "string" ? inProject(dir, v) : v))
      : value;

/**
 * A project's policy made ready to be judged beside the root's: check, category and waiver ids carry the
 * project (`services/api:runbook`), so nothing of the root's (nor a slash-command waiver, whose ids cannot
 * hold ':' or '/') can name them; file and attestation paths are made relative to the repository root.
 * Other kinds read what belongs to the whole repository (workflows, statuses, alerts, branches, releases).
 */
export function scopePolicy(policy: Policy, dir: string): Policy {
  const id = (s: string) => `${dir}${PROJECT_SEPARATOR}${s}`;
  const checks = Object.create(null) as Policy["checks"];
  for (const [name, check] of Object.entries(policy.checks)) {
    const scoped = { ...check, category: id(check.category ?? DEFAULT_CATEGORY) };
    if (check.title === undefined) scoped.title = name;
    if (check.file)
      scoped.file = { ...check.file, path: rebase(dir, check.file.path) as typeof check.file.path };
    if (check.attestation)
      scoped.attestation = {
        ...check.attestation,
        path: rebase(dir, check.attestation.path) as typeof check.attestation.path,
      };
    checks[id(name)] = scoped;
  }
  const categories = Object.create(null) as Policy["categories"];
  const used = new Set(Object.values(checks).map((c) => c.category!));
  for (const [name, category] of Object.entries(policy.categories))
    categories[id(name)] = { ...category, title: `${category.title ?? name} (${dir})` };
  if (used.has(id(DEFAULT_CATEGORY)) && !categories[id(DEFAULT_CATEGORY)])
    categories[id(DEFAULT_CATEGORY)] = { title: `General (${dir})`, weight: 1 };
  const { projects: _nested, ...rest } = policy;
  return {
    ...rest,
    checks,
    categories,
    waivers: policy.waivers.map((w) => ({ ...w, check: id(w.check) })),
  };
}
