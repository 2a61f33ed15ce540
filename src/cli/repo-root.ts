// Where a command run in a subdirectory finds its policy: like git, the nearest enclosing directory up to the
// repository's top (the one holding .git) that has one.
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";

export const POLICY_NAMES = [".readiness.yml", ".github/readiness.yml"];

const isFile = async (path: string) => (await stat(path).catch(() => null))?.isFile() === true;
const exists = async (path: string) => (await stat(path).catch(() => null)) !== null;

/** The nearest ancestor of `dir` (not `dir` itself), within its git repository, that holds a policy. */
export async function enclosingPolicyRoot(dir: string): Promise<string | null> {
  let at = dir;
  while (!(await exists(join(at, ".git")))) {
    const up = dirname(at);
    if (up === at) return null;
    at = up;
    for (const name of POLICY_NAMES) if (await isFile(join(at, name))) return at;
  }
  return null;
}
