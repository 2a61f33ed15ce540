// Globs compile to RE2: the syntax policies were written against (picomatch's, dot-files included), in time
// linear in the input whatever the glob.
import { describe, expect, it } from "vitest";
import { compileGlob, globMatcher, MAX_GLOB_LENGTH } from "../../src/evidence/glob.js";

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
});
