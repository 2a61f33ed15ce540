import picomatch from "picomatch";

export interface FileEntry {
  path: string;
  /** Size in bytes; undefined when the source does not say. */
  size?: number;
}

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** Every path of one commit (or checkout), with glob matching that sees dot-directories. */
export class FileIndex {
  private readonly sizes = new Map<string, number | undefined>();
  private readonly matched = new Map<string, string[]>();
  readonly paths: readonly string[];

  /** `truncated`: the source listed only part of the tree (GitHub trees over 100k entries). */
  constructor(
    entries: Iterable<FileEntry>,
    readonly truncated = false,
  ) {
    for (const e of entries) this.sizes.set(e.path, e.size);
    this.paths = [...this.sizes.keys()].sort();
  }

  get size(): number {
    return this.paths.length;
  }

  has(path: string): boolean {
    return this.sizes.has(path);
  }

  bytes(path: string): number | undefined {
    return this.sizes.get(path);
  }

  /** Paths matching a literal path or a glob, sorted. Memoised per pattern. */
  match(pattern: string): string[] {
    const hit = this.matched.get(pattern);
    if (hit) return hit;
    let result: string[];
    if (!GLOB_CHARS.test(pattern)) {
      result = this.has(pattern) ? [pattern] : [];
    } else {
      const isMatch = picomatch(pattern, { dot: true });
      result = this.paths.filter((p) => isMatch(p));
    }
    this.matched.set(pattern, result);
    return result;
  }
}

export const isGlob = (pattern: string): boolean => GLOB_CHARS.test(pattern);
