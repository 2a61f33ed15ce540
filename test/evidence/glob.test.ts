// Globs compile to RE2: the syntax policies were written against (picomatch's, dot-files included), in time
// linear in the input whatever the glob.
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { compileGlob, globMatcher, globToRegex, MAX_GLOB_LENGTH } from "../../src/evidence/glob.js";

const CASES: [glob: string, matches: string[], not: string[]][] = [
  ["docs/**", ["docs", "docs/a/b", "docs/.hidden/x"], ["docsx", "src/docs"]],
  ["**/README.md", ["README.md", "a/b/README.md"], ["README.mdx"]],
  ["*.md", ["a.md", ".a.md"], ["x/a.md"]],
  ["*", [".git", "a"], ["a/b"]],
  ["**", ["a/b", ".git/x"], []],
  ["a/*/b", ["a/x/b", "a/.x/b"], ["a/b", "a/x/y/b"]],
  ["a/**/b", ["a/b", "a/x/y/b"], ["ab"]],
  ["release-*", ["release-", "release-1.0"], ["release/1.0"]],
  ["release/**", ["release", "release/1.0"], ["releases"]],
  ["a**b", ["axxb"], ["ax/xb"]],
  ["{a,b}.md", ["a.md", "b.md"], ["c.md"]],
  ["{a,{b,c}}.md", ["c.md"], ["d.md"]],
  ["{a}.md", ["{a}.md"], ["a.md"]],
  ["{a,b.md", ["{a,b.md"], ["a"]],
  ["{1..3}.md", ["2.md"], ["4.md"]],
  ["[abc].md", ["b.md"], ["d.md"]],
  ["[^abc].md", ["d.md"], ["a.md", "/.md"]],
  ["[!abc].md", ["d.md"], ["a.md"]],
  ["[a-c].md", ["b.md"], ["d.md"]],
  ["x[a-]y", ["x-y", "xay"], ["xby"]],
  ["[[:alpha:]].md", ["b.md"], ["1.md"]],
  ["[", ["["], []],
  ["+(a|b).md", ["ab.md"], [".md"]],
  ["@(a|b).md", ["a.md"], ["ab.md"]],
  ["!*.md", ["a.txt"], ["a.md"]],
  ["?.md", ["a.md"], ["/.md", "ab.md"]],
  ["\\*.md", ["*.md"], ["a.md"]],
  ["./a.md", ["a.md"], []],
  ["a.b", ["a.b"], ["axb"]],
  ["a+.md", ["a+.md"], ["aa.md"]],
  ["$.md", ["$.md"], []],
  ["src/**/*.{ts,tsx}", ["src/a.ts", "src/a/b.tsx"], ["src/a.js"]],
  [".github/workflows/*.y?(a)ml", [".github/workflows/ci.yml", ".github/workflows/ci.yaml"], []],
];

describe("globs match as policies expect", () => {
  it.each(CASES)("%s", (glob, matches, not) => {
    const test = globMatcher(glob);
    for (const s of matches) expect([s, test(s)]).toEqual([s, true]);
    for (const s of not) expect([s, test(s)]).toEqual([s, false]);
  });

  it("refuses what RE2 cannot do, or what is too long, with a reason", () => {
    expect(compileGlob("!(main)")).toMatchObject({ ok: false, message: expect.stringContaining('"!(…)"') });
    expect(compileGlob("x".repeat(MAX_GLOB_LENGTH + 1))).toMatchObject({
      ok: false,
      message: expect.stringContaining(`at most ${MAX_GLOB_LENGTH}`),
    });
    expect(compileGlob("{1..100000}")).toMatchObject({ ok: false });
    expect(globMatcher("!(main)")("dev")).toBe(false);
  });

  it("matches a glob built to make a backtracking engine run for ever, in linear time", () => {
    const hostile = `${"*a".repeat(40)}*b`;
    const test = globMatcher(hostile);
    const started = performance.now();
    for (let i = 0; i < 20; i++) expect(test("a".repeat(400))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("matches plain globs (literals, *, ?, one **) without RE2 exactly as RE2 does", () => {
    // Seeded: the same 3,000 globs and paths every run. Pieces include regex syntax a glob treats as text.
    let seed = 20261203;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: T[]): T => xs[next(xs.length)]!;
    const globParts = ["a", "b", ".", "-", "$", "+", "^", "|", "*", "?", "\\*", "é", "/"];
    const pathParts = ["a", "b", ".", "-", "$", "+", "^", "|", "*", "é", "/", "x"];
    let matched = 0;
    for (let i = 0; i < 3_000; i++) {
      const segments = Array.from({ length: 1 + next(3) }, () =>
        Array.from({ length: 1 + next(4) }, () => pick(globParts.filter((p) => p !== "/"))).join(""),
      );
      if (next(3) === 0) segments.splice(next(segments.length + 1), 0, "**");
      const glob = segments.join("/").replace(/\*{2,}(?!\/|$)/g, "*");
      if (
        /\*[^/]*\*/.test(
          glob
            .split("/")
            .filter((s) => s !== "**")
            .join("/"),
        )
      )
        continue;
      const re2 = RE2JS.compile(globToRegex(glob.startsWith("./") ? glob.slice(2) : glob));
      const test = globMatcher(glob);
      for (let j = 0; j < 6; j++) {
        // Half of them made from the glob, so that many match.
        const path =
          j % 2 === 0
            ? Array.from({ length: 1 + next(8) }, () => pick(pathParts)).join("")
            : glob
                .replace(/\*\*/g, () => ["", "x", "x/y"][next(3)]!)
                .replace(/\\\*|\*|\?/g, (m) =>
                  m === "\\*" ? "*" : m === "?" ? pick(pathParts) : pick(["", "a", ".b"]),
                )
                .replace(/^\/|\/\/+/g, "/");
        const expected = re2.matches(path);
        expect([glob, path, test(path)]).toEqual([glob, path, expected]);
        if (expected) matched++;
      }
    }
    expect(matched).toBeGreaterThan(1_000);
  });
});
