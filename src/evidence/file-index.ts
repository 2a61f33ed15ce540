import { globMatcher } from "./glob.js";

export interface FileEntry {
  path: string;
  /** Size in bytes; undefined when the source does not say. */
  size?: number;
}

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** Every path of one commit (or checkout), with glob matching that sees dot-directories. */
/** File texts one glob of a check may read unless the provider says otherwise (a request each on GitHub). */
export const DEFAULT_READS = 50;

export class FileIndex {
  /** Only the paths whose size is known: a checkout listed by git has none, and 20,000 entries cost. */
  private readonly sizes: Map<string, number> | null;
  private readonly matched = new Map<string, string[]>();
  readonly paths: readonly string[];

  /**
   * `truncated`: the source listed only part of the tree (GitHub trees over 100k entries). `reads`: how many
   * file texts one glob of a check may ask for: what the provider can afford (a checkout reads thousands; a
   * request per file on GitHub cannot).
   */
  constructor(
    entries: Iterable<FileEntry> | string[],
    readonly truncated = false,
    readonly reads = DEFAULT_READS,
  ) {
    // Bare paths (sizes unknown, a checkout's listing) are taken as they are: 20,000 entry objects cost.
    if (Array.isArray(entries) && typeof entries[0] === "string") {
      this.sizes = null;
      this.paths = sortedUnique(entries as string[]);
      return;
    }
    const paths: string[] = [];
    let sizes: Map<string, number> | null = null;
    for (const e of entries as Iterable<FileEntry>) {
      paths.push(e.path);
      // The last entry of a path wins, as it did when every entry went into one map.
      if (e.size !== undefined) {
        sizes ??= new Map();
        sizes.set(e.path, e.size);
      } else sizes?.delete(e.path);
    }
    this.sizes = sizes;
    this.paths = sortedUnique(paths);
  }

  get size(): number {
    return this.paths.length;
  }

  has(path: string): boolean {
    const i = this.firstAtOrAfter(path);
    return i < this.paths.length && this.paths[i] === path;
  }

  bytes(path: string): number | undefined {
    return this.sizes?.get(path);
  }

  /** Paths matching a literal path or a glob, sorted. Memoised per pattern. */
  match(pattern: string): string[] {
    const hit = this.matched.get(pattern);
    if (hit) return hit;
    let result: string[];
    if (!GLOB_CHARS.test(pattern)) {
      result = this.has(pattern) ? [pattern] : [];
    } else {
      const isMatch = globMatcher(pattern);
      // A path can only match if it ends as the glob does, and endsWith is much cheaper than the glob's
      // RE2 expression on the many paths that do not.
      const end = literalEnd(pattern);
      const test = end === null ? isMatch : (p: string) => p.endsWith(end) && isMatch(p);
      result = [];
      const dir = literalDirectory(pattern);
      if (dir === null) {
        for (const p of this.paths) if (test(p)) result.push(p);
      } else {
        // Only the directory itself (docs/** matches docs) and the sorted run of paths below it can match.
        if (this.has(dir) && test(dir)) result.push(dir);
        const below = `${dir}/`;
        for (let i = this.firstAtOrAfter(below); i < this.paths.length; i++) {
          const p = this.paths[i]!;
          if (!p.startsWith(below)) break;
          if (test(p)) result.push(p);
        }
      }
    }
    this.matched.set(pattern, result);
    return result;
  }

  /** Index of the first path not sorted before `key` (binary search; paths use the default sort). */
  private firstAtOrAfter(key: string): number {
    let lo = 0;
    let hi = this.paths.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.paths[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Sorted (default order) without repeats; git lists a checkout already sorted, which costs one pass. */
function sortedUnique(paths: string[]): string[] {
  let sorted = true;
  for (let i = 1; i < paths.length && sorted; i++) sorted = paths[i - 1]! < paths[i]!;
  if (sorted) return paths;
  paths.sort();
  let kept = 0;
  for (const p of paths) if (kept === 0 || paths[kept - 1] !== p) paths[kept++] = p;
  paths.length = kept;
  return paths;
}

// Characters that may mean something to a glob, or that make a segment more than a plain name.
const SPECIAL_SEGMENT = /[*?[\]{}()!+@\\|]/;

/**
 * The leading directories of a glob that can only match literally: the segments before the first
 * one with a glob character: `docs/adr` for `docs/adr/*.md`, `docs` for `docs/{a,b}/x.md`. null when the glob
 * starts with one (`*.md`, a recursive `**` prefix) and for anything unusual (`./`, `..`, empty segments, backslashes,
 * negation), where narrowing could change what matches.
 */
export function literalDirectory(pattern: string): string | null {
  const segments = pattern.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return null;
  let n = 0;
  while (n < segments.length - 1 && !SPECIAL_SEGMENT.test(segments[n]!)) n++;
  return n === 0 ? null : segments.slice(0, n).join("/");
}

/**
 * The plain text a glob ends with, after its last glob character and within its last segment: `.test.ts`
 * for a recursive `*.test.ts`, `Dockerfile` for `services/{a,b}/Dockerfile`. null when there is none, when it
 * holds anything but letters, digits, `.`, `_` and `-`, for negated globs, and for the same unusual globs as
 * literalDirectory.
 */
export function literalEnd(pattern: string): string | null {
  // A leading ! negates the whole glob: what it matches need not end like it.
  if (pattern.startsWith("!") || pattern.includes("\\")) return null;
  if (pattern.split("/").some((s) => s === "" || s === "." || s === "..")) return null;
  let last = -1;
  for (let i = 0; i < pattern.length; i++) if (SPECIAL_SEGMENT.test(pattern[i]!)) last = i;
  // Only the last segment: a recursive **/README.md also matches README.md at the root, without the slash.
  const end = pattern.slice(Math.max(last + 1, pattern.lastIndexOf("/") + 1));
  return last >= 0 && /^[\w.-]+$/.test(end) ? end : null;
}

export const isGlob = (pattern: string): boolean => GLOB_CHARS.test(pattern);
