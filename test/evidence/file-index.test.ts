// FileIndex.match narrows a glob to the paths below its literal directory, and to paths with its literal
// ending, before the glob's RE2 expression: the same answers as testing every path, only fewer tests.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FileIndex, literalDirectory, literalEnd } from "../../src/evidence/file-index.js";
import { globMatcher } from "../../src/evidence/glob.js";

const PATHS = [
  ".github/workflows/ci.yml",
  ".github/workflows/nested/deep.yml",
  "README.md",
  "docs",
  "docs-old/guide.md",
  "docs.md",
  "docs/.hidden/secret.md",
  "docs/adr/0001-decision.md",
  "docs/adr/notes.txt",
  "docs/guide.md",
  "docsx/guide.md",
  "packages/a/src/x.test.ts",
  "services/billing/Dockerfile",
  "services/billing/test/pay.test.ts",
  "services/auth/Dockerfile",
  "src/docs/inner.md",
  "x.test.ts",
];

/** What match() answers without narrowing: every path through the glob. */
const everyPath = (paths: readonly string[], pattern: string): string[] => {
  const isMatch = globMatcher(pattern);
  return [...paths].sort().filter((p) => isMatch(p));
};

describe("FileIndex.match", () => {
  const index = new FileIndex(PATHS.map((path) => ({ path })));

  it.each([
    ["docs/**/*.md", ["docs/.hidden/secret.md", "docs/adr/0001-decision.md", "docs/guide.md"]],
    // The directory itself: docs/** matches a file named docs.
    [
      "docs/**",
      ["docs", "docs/.hidden/secret.md", "docs/adr/0001-decision.md", "docs/adr/notes.txt", "docs/guide.md"],
    ],
    ["docs/adr/*.md", ["docs/adr/0001-decision.md"]],
    [".github/workflows/*.yml", [".github/workflows/ci.yml"]],
    ["services/*/Dockerfile", ["services/auth/Dockerfile", "services/billing/Dockerfile"]],
    // No literal directory: every path is a candidate, at any depth and in dot-directories.
    ["**/*.test.ts", ["packages/a/src/x.test.ts", "services/billing/test/pay.test.ts", "x.test.ts"]],
    ["**/inner.md", ["src/docs/inner.md"]],
    ["*.md", ["README.md", "docs.md"]],
    ["docs*/guide.md", ["docs-old/guide.md", "docs/guide.md", "docsx/guide.md"]],
    ["{docs,src/docs}/*.md", ["docs/guide.md", "src/docs/inner.md"]],
    ["nowhere/**", []],
  ])("%s", (pattern, expected) => {
    expect(index.match(pattern)).toEqual(expected);
    expect(index.match(pattern)).toEqual(everyPath(PATHS, pattern));
  });

  it("finds the literal directory of a glob, and none where narrowing could change the answer", () => {
    expect(literalDirectory("docs/**/*.md")).toBe("docs");
    expect(literalDirectory("docs/adr/*.md")).toBe("docs/adr");
    expect(literalDirectory(".github/workflows/*.yml")).toBe(".github/workflows");
    expect(literalDirectory("services/*/Dockerfile")).toBe("services");
    expect(literalDirectory("**/X")).toBeNull();
    expect(literalDirectory("*.md")).toBeNull();
    expect(literalDirectory("!docs/*.md")).toBeNull();
    expect(literalDirectory("./docs/*.md")).toBeNull();
    expect(literalDirectory("docs/../src/*.md")).toBeNull();
    expect(literalDirectory("docs//*.md")).toBeNull();
    expect(literalDirectory("do\\cs/*.md")).toBeNull();
    expect(literalDirectory("@(docs|src)/*.md")).toBeNull();
  });

  it("finds the plain ending of a glob, and none where a match could end otherwise", () => {
    expect(literalEnd("**/*.test.ts")).toBe(".test.ts");
    expect(literalEnd("docs/[a-z]*.md")).toBe(".md");
    expect(literalEnd("@(a|b).md")).toBe(".md");
    expect(literalEnd("**/README.md")).toBe("README.md"); // also matches README.md at the root
    expect(literalEnd("services/*/Dockerfile")).toBe("Dockerfile");
    expect(literalEnd("*/a b.md")).toBeNull();
    expect(literalEnd("docs/*")).toBeNull();
    expect(literalEnd("*.{md,txt}")).toBeNull();
    expect(literalEnd("!*.md")).toBeNull(); // negated: matches what does not end so
    expect(literalEnd("a\\*.md")).toBeNull();
    expect(literalEnd("README.md")).toBeNull();
  });

  it("answers as the glob over every path does, for generated globs and trees", () => {
    const segment = fc.constantFrom("a", "b", "ab", ".d", "a.md", "b.ts", "a-b", "a.b");
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
    const globSegment = fc.constantFrom(
      "a",
      "b",
      ".d",
      "*",
      "**",
      "*.md",
      "a*",
      "?",
      "{a,b}",
      "[ab]",
      "!(a)",
      "@(a|b)",
      "a.md",
      ".",
      "..",
      "",
    );
    const glob = fc
      .tuple(fc.constantFrom("", "!"), fc.array(globSegment, { minLength: 1, maxLength: 4 }))
      .map(([bang, s]) => bang + s.join("/"));
    fc.assert(
      fc.property(fc.array(path, { maxLength: 30 }), glob, (paths, pattern) => {
        const idx = new FileIndex(paths.map((p) => ({ path: p })));
        const unique = [...new Set(paths)];
        expect(idx.match(pattern)).toEqual(
          /[*?[\]{}()!+@]/.test(pattern)
            ? everyPath(unique, pattern)
            : unique.includes(pattern)
              ? [pattern]
              : [],
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps one entry per path, sorted, with the size of the last entry that names it", () => {
    const entry = fc.record(
      { path: fc.constantFrom("b", "a", "a/b", "a-b", "Z", "é", "a/b/c"), size: fc.nat(9) },
      { requiredKeys: ["path"] },
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        const idx = new FileIndex(entries);
        const model = new Map<string, number | undefined>();
        for (const e of entries) model.set(e.path, e.size);
        expect(idx.paths).toEqual([...model.keys()].sort());
        for (const p of ["a", "b", "a/b", "Z", "é", "a/b/c", "c"]) {
          expect(idx.has(p)).toBe(model.has(p));
          expect(idx.bytes(p)).toBe(model.get(p));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
