// The file list outside git: one walk, no symlink following, skipping .git and node_modules.
import { readdir } from "node:fs/promises";

const SKIP = new Set([".git", "node_modules"]);

export interface Walk {
  paths: string[];
  /** Some directory below the root could not be read, so the list is partial. */
  incomplete: boolean;
}

/** Regular files and symlinks (as git would track them), repository-relative with "/". Rejects if root is unreadable. */
export async function walkTree(root: string): Promise<Walk> {
  const paths: string[] = [];
  let incomplete = false;
  const visit = async (abs: string, rel: string): Promise<void> => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      if (rel === "") throw e;
      incomplete = true;
      return;
    }
    const subdirs: Promise<void>[] = [];
    for (const e of entries) {
      const childRel = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) subdirs.push(visit(`${abs}/${e.name}`, childRel));
      } else if ((e.isFile() || e.isSymbolicLink()) && e.name !== ".git") {
        paths.push(childRel);
      }
    }
    await Promise.all(subdirs);
  };
  await visit(root, "");
  return { paths, incomplete };
}
