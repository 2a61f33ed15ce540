// Hostile documents are refused quickly and with a location, before they cost memory or stack.
import { describe, expect, it } from "vitest";
import { formatPolicyError, type LoadResult, loadPolicy, parsePolicy } from "../../src/policy/load.js";
import { MAX_ALIASES, MAX_DEPTH, MAX_POLICY_BYTES } from "../../src/policy/yaml-source.js";

const F = ".readiness.yml";
const errorsOf = (r: LoadResult): string[] => (r.ok ? [] : r.errors.map(formatPolicyError));

/** The classic billion laughs: nine levels of ten aliases each, 10^9 leaves once expanded. */
function billionLaughs(): string {
  const lines = ["version: 1", "x:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const name = String.fromCharCode(97 + i);
    const prev = String.fromCharCode(96 + i);
    lines.push(`  ${name}: &${name} [${Array(10).fill(`*${prev}`).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
}

describe("size", () => {
  it("refuses a policy over 1 MiB unread, at 1:1", () => {
    const text = `version: 1\n# ${"x".repeat(MAX_POLICY_BYTES)}\n`;
    expect(errorsOf(parsePolicy(text, F))).toEqual([
      `.readiness.yml:1:1: the policy is larger than 1 MiB (${MAX_POLICY_BYTES + 14} bytes); a policy this large is refused unread`,
    ]);
  });

  it("counts bytes, not characters", () => {
    const text = `version: 1\n# ${"é".repeat(MAX_POLICY_BYTES / 2)}\n`;
    expect(errorsOf(parsePolicy(text, F))[0]).toMatch(
      /^\.readiness\.yml:1:1: the policy is larger than 1 MiB/,
    );
  });

  it("accepts a large but reasonable policy", () => {
    const checks = Array.from({ length: 1000 }, (_, i) => `  c${i}: {file: {path: "docs/${i}.md"}}`);
    const r = parsePolicy(`version: 1\nchecks:\n${checks.join("\n")}\n`, F);
    expect(r.ok && Object.keys(r.policy.checks).length).toBe(1000);
  });
});

describe("aliases", () => {
  it("refuses a billion-laughs document at the alias that crosses the limit", () => {
    expect(errorsOf(parsePolicy(billionLaughs(), F))).toEqual([
      ".readiness.yml:6:31: YAML aliases expand the document by more than 10000 nodes (an alias bomb?); write the values out",
    ]);
  });

  it(`refuses more than ${MAX_ALIASES} aliases`, () => {
    const refs = Array.from({ length: MAX_ALIASES + 1 }, () => "*t").join(", ");
    const text = `version: 1\ngate: {checkName: &t Ready}\napplies: {environments: [${refs}]}\n`;
    expect(errorsOf(parsePolicy(text, F))).toEqual([
      `.readiness.yml:3:${26 + 4 * MAX_ALIASES}: more than ${MAX_ALIASES} YAML aliases; write the values out`,
    ]);
  });

  it("turns yaml's own alias guard (maxAliasCount) into a located error", () => {
    // few aliases and little expansion, but aliases of aliases of aliases: yaml's guard is the one that fires
    const text = [
      "version: 1",
      "x:",
      "  a: &a [x]",
      `  b: &b [${Array(10).fill("*a").join(", ")}]`,
      `  c: &c [${Array(10).fill("*b").join(", ")}]`,
      "  d: [*c, *c]",
      "",
    ].join("\n");
    expect(errorsOf(parsePolicy(text, F))).toEqual([
      ".readiness.yml:4:10: YAML aliases expand too much (Excessive alias count indicates a resource exhaustion attack)",
    ]);
  });

  it("accepts ordinary anchors and aliases", () => {
    const text = [
      "version: 1",
      "checks:",
      "  a: {contexts: &ctx [release, deployment], file: {path: A.md}}",
      "  b: {contexts: *ctx, file: {path: B.md}}",
      "",
    ].join("\n");
    const r = parsePolicy(text, F);
    expect(r.ok && r.policy.checks.b?.contexts).toEqual(["release", "deployment"]);
  });
});

describe("nesting", () => {
  const refused = (r: LoadResult) => errorsOf(r).filter((e) => e.includes(`nests deeper than ${MAX_DEPTH}`));

  it("refuses 10,000 nested flow sequences", () => {
    const text = `version: 1\nx: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`;
    const errors = errorsOf(parsePolicy(text, F));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^\.readiness\.yml:2:\d+: the document nests deeper than 64 levels$/);
  });

  it("refuses 10,000 nested flow mappings, unclosed", () => {
    expect(refused(parsePolicy(`version: 1\nx: ${"{a: ".repeat(10_000)}`, F))).toHaveLength(1);
  });

  it("refuses 10,000 nested block sequences on one line", () => {
    expect(refused(parsePolicy(`version: 1\nx:\n  ${"- ".repeat(10_000)}x\n`, F))).toHaveLength(1);
  });

  it("refuses deeply indented block mappings", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}k:`);
    expect(refused(parsePolicy(`${lines.join("\n")}\n`, F))).toHaveLength(1);
  });

  it("refuses nesting through the async loader too", async () => {
    expect(refused(await loadPolicy(`x: ${"[".repeat(10_000)}`, F))).toHaveLength(1);
  });

  it(`allows ${MAX_DEPTH} levels and refuses ${MAX_DEPTH + 1}, at the offending node`, () => {
    const nest = (n: number) => `version: 1\nx: ${"[".repeat(n - 1)}${"]".repeat(n - 1)}\n`;
    // the top-level mapping is the first level
    expect(refused(parsePolicy(nest(MAX_DEPTH), F))).toEqual([]);
    expect(refused(parsePolicy(nest(MAX_DEPTH + 1), F))).toEqual([
      `.readiness.yml:2:${3 + MAX_DEPTH}: the document nests deeper than ${MAX_DEPTH} levels`,
    ]);
  });
});

describe("many errors", () => {
  // Locating and suggesting stay linear: a quadratic loader would let one large policy stall the App.
  it("reports every one of 20,000 bad checks", () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `  c${i}: 5`);
    const r = parsePolicy(`version: 1\nchecks:\n${lines.join("\n")}\n`, F);
    const errors = errorsOf(r);
    expect(errors).toHaveLength(20_000);
    expect(errors[19_999]).toBe(
      ".readiness.yml:20002:11: checks.c19999: expected a mapping, an empty value or false, got 5",
    );
  });

  it("reports 3,000 waivers for unknown checks among 3,000 checks", () => {
    const checks = Array.from({ length: 3000 }, (_, i) => `  check-${i}: {file: {path: x}}`);
    const waivers = Array.from(
      { length: 3000 },
      (_, i) => `  - {check: chek-${i}, reason: r, expires: 2030-01-01}`,
    );
    const r = parsePolicy(`version: 1\nchecks:\n${checks.join("\n")}\nwaivers:\n${waivers.join("\n")}\n`, F);
    const errors = errorsOf(r);
    expect(errors).toHaveLength(3000);
    expect(errors[0]).toMatch(
      /waivers\[0\]\.check: no check "chek-0" in this policy \(did you mean "check-0"\?\)$/,
    );
    expect(errors[2999]).toMatch(/waivers\[2999\]\.check: no check "chek-2999" in this policy$/);
  });
});
