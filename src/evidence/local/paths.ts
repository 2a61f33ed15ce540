// Keeping every read inside the evaluated directory: policy paths come from a file anyone can edit in a PR.
import { lstat, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, posix, resolve, sep, win32 } from "node:path";

export const ESCAPES = "path escapes the repository";

/** Why a requested path is refused before touching the disk, or null. */
export function lexicalProblem(path: string): string | null {
  if (typeof path !== "string" || path === "") return "empty path";
  if (path.includes("\0")) return `${ESCAPES}: it contains a NUL byte`;
  if (posix.isAbsolute(path) || win32.isAbsolute(path) || isAbsolute(path)) {
    return `${ESCAPES}: ${path} is absolute; paths are relative to the repository root`;
  }
  if (path.split(/[/\\]/).includes("..")) return `${ESCAPES}: ${path} has a ".." segment`;
  return null;
}

/** Same spelling git uses: no "./", no doubled slashes. */
export function normalizeRelative(path: string): string {
  const n = posix.normalize(path.replace(/\\/g, "/"));
  return n.replace(/^(\.\/)+/, "").replace(/\/$/, "");
}

export const isInside = (root: string, p: string): boolean =>
  p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

export type Resolution =
  | { state: "inside"; real: string }
  | { state: "absent" }
  | { state: "refused"; reason: string };

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

/**
 * Where `rel` really lives, following symlinks, provided it stays under `root` (itself a realpath).
 * A missing path is "absent" unless the part that does exist (a dangling link, a parent directory)
 * already points outside.
 */
export async function resolveInside(root: string, rel: string): Promise<Resolution> {
  const problem = lexicalProblem(rel);
  if (problem) return { state: "refused", reason: problem };
  const full = join(root, rel);
  try {
    const real = await realpath(full);
    if (!isInside(root, real)) return { state: "refused", reason: `${ESCAPES}: ${rel} leads outside it` };
    return { state: "inside", real };
  } catch (e) {
    const c = code(e);
    if (c === "ELOOP") return { state: "refused", reason: `${rel} is part of a symlink loop` };
    if (c !== "ENOENT" && c !== "ENOTDIR") {
      return { state: "refused", reason: `${rel} could not be resolved: ${(e as Error).message}` };
    }
  }
  // Missing. A dangling symlink whose target would be outside is still refused.
  try {
    const st = await lstat(full);
    if (st.isSymbolicLink()) {
      const target = await readlink(full);
      const parent = await realpath(dirname(full));
      if (!isInside(root, resolve(parent, target))) {
        return { state: "refused", reason: `${ESCAPES}: ${rel} is a symlink to a place outside it` };
      }
    }
    return { state: "absent" };
  } catch {
    // fall through: nothing at `full`; look at the nearest existing parent
  }
  for (let d = dirname(full); isInside(root, d) && d !== root; d = dirname(d)) {
    try {
      const real = await realpath(d);
      if (!isInside(root, real)) return { state: "refused", reason: `${ESCAPES}: ${rel} leads outside it` };
      return { state: "absent" };
    } catch {
      // keep climbing
    }
  }
  return { state: "absent" };
}
