// Monorepo projects for `readiness check`: the project directory the command was run in, and the policies of
// the projects to judge (every project of the tree, or the one asked for). Reading only; the engine judges.
import { readFile, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { parse } from "yaml";
import type { ProjectPolicy } from "../engine/run-projects.js";
import type { FileIndex } from "../evidence/file-index.js";
import { type EvidenceProvider, needKey, type Target } from "../evidence/types.js";
import { allProjects, PROJECT_POLICY_FILE } from "../policy/projects.js";
import type { Policy } from "../policy/schema.js";

export { runWithProjects } from "../engine/run-projects.js";

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * When `dir` is a project of a monorepo (an ancestor, up to the repository's top, has a policy whose
 * `projects` declares it, and `dir` holds a policy), that root and the project's path; else null.
 */
export async function enclosingProject(dir: string): Promise<{ root: string; project: string } | null> {
  if (!(await exists(join(dir, PROJECT_POLICY_FILE)))) return null;
  let at = dir;
  while (!(await exists(join(at, ".git")))) {
    const up = dirname(at);
    if (up === at) return null;
    at = up;
    const text = await readFile(join(at, ".readiness.yml"), "utf8").catch(() => null);
    if (text === null) continue;
    let projects: unknown;
    try {
      projects = (parse(text) as { projects?: unknown } | null)?.projects;
    } catch {
      return null;
    }
    if (!Array.isArray(projects)) return null;
    const project = relative(at, dir).split(sep).join("/");
    const declared = allProjects(
      projects.filter((p): p is string => typeof p === "string"),
      [`${project}/${PROJECT_POLICY_FILE}`],
    );
    return declared.includes(project) ? { root: at, project } : null;
  }
  return null;
}

/**
 * The projects' policies: every project of the tree, or `only`. `read` gives a file of the tree (null:
 * absent), `load` validates one (printing its problems), null when invalid. `unknown`: `only` is no project.
 */
export async function readProjectPolicies(o: {
  patterns: readonly string[];
  provider: EvidenceProvider;
  target: Target;
  read: (path: string) => Promise<string | null>;
  load: (text: string, label: string) => Promise<Policy | null>;
  only?: string;
}): Promise<ProjectPolicy[] | { unknown: string }> {
  const files = (await o.provider.collect([{ type: "files" }], o.target)).get(needKey({ type: "files" }));
  if (files?.state !== "ok") throw new Error(`could not list the files: ${files?.reason ?? "no answer"}`);
  let dirs = allProjects(o.patterns, (files.value as FileIndex).paths);
  if (o.only !== undefined) {
    if (!dirs.includes(o.only))
      return {
        unknown: `${o.only} is not a project: the policy's projects are ${dirs.length ? dirs.join(", ") : "none found"} (a project is a declared directory holding a committed ${PROJECT_POLICY_FILE})`,
      };
    dirs = [o.only];
  }
  const out: ProjectPolicy[] = [];
  for (const path of dirs) {
    const policy = `${path}/${PROJECT_POLICY_FILE}`;
    const text = await o.read(policy);
    if (text === null) {
      out.push({ path, policy, ok: false, problem: `${policy} does not exist.` });
      continue;
    }
    const value = await o.load(text, policy);
    out.push(
      value
        ? { path, policy, ok: true, value }
        : { path, policy, ok: false, problem: `${policy} is not a valid policy (see the errors above).` },
    );
  }
  return out;
}
