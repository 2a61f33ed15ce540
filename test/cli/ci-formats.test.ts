// `--format sarif` and `--format github` on real git repositories: SARIF validated against the SARIF 2.1.0
// JSON Schema (the schema file shipped in the npm package @microsoft/jest-sarif, from microsoft/sarif-js-sdk),
// workflow commands parsed back as the runner reads them; `gate.mode: warn` exits 0.
import { createRequire } from "node:module";
import { Validator } from "@cfworker/json-schema";
import { afterAll, describe, expect, it } from "vitest";
import { escapeData, escapeProperty } from "../../src/report/github.js";
import { cleanup, cli, README, repo } from "./helpers.js";

afterAll(cleanup);

const require = createRequire(import.meta.url);
const SARIF_SCHEMA = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

// Line numbers matter below: checks.no-secrets is on line 9, extends on line 2.
const POLICY = `version: 1
extends: [readiness:baseline]
gate: { minScore: 80 }
checks:
  ci: null
  readme:
    title: "README, with: commas"
    file: { path: README.md }
  no-secrets:
    title: No hard-coded secrets
    required: true
    fix: Move the secret to the vault
    file: { path: "config/**", notContains: "(?i)password\\\\s*=" }
`;

function sampleRepo(mode = "block") {
  return repo({
    ".readiness.yml": POLICY.replace("gate: { minScore: 80 }", `gate: { minScore: 80, mode: ${mode} }`),
    "README.md": README,
    "config/app.ini": "[db]\nhost = db\npassword = hunter2\n",
  });
}

/** One workflow command as the runner parses it: ::name k=v,k=v::message, with the escapes undone. */
function parseCommand(line: string): { name: string; props: Record<string, string>; message: string } | null {
  const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) return null;
  const unData = (s: string) => s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
  const unProp = (s: string) => unData(s.replace(/%3A/g, ":").replace(/%2C/g, ","));
  const props: Record<string, string> = {};
  for (const kv of (m[2] ?? "").split(",").filter(Boolean)) {
    const i = kv.indexOf("=");
    props[kv.slice(0, i)] = unProp(kv.slice(i + 1));
  }
  return { name: m[1]!, props, message: unData(m[3]!) };
}

describe("--format sarif", () => {
  it("is SARIF 2.1.0 that validates against the schema, results located at the file line or the policy", async () => {
    const dir = sampleRepo();
    const r = await cli(["check", "--format", "sarif", "--now", "2025-06-01"], { cwd: dir });
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout);
    const validator = new Validator(SARIF_SCHEMA, "4", false);
    const result = validator.validate(sarif);
    expect(result.errors.slice(0, 3)).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator does reject what the schema forbids.
    const level = {
      ...sarif,
      runs: [{ ...sarif.runs[0], results: [{ ...sarif.runs[0].results[0], level: "fatal" }] }],
    };
    expect(validator.validate(level).valid).toBe(false);

    const run = sarif.runs[0];
    expect(sarif.version).toBe("2.1.0");
    expect(run.tool.driver.name).toBe("Readiness Gate");
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toContain("no-secrets");
    expect(run.properties).toMatchObject({ verdict: "NO-GO", minScore: 80 });
    const byRule = Object.fromEntries(run.results.map((x: { ruleId: string }) => [x.ruleId, x]));
    // The forbidden pattern: at the file and line it was found.
    expect(byRule["no-secrets"].level).toBe("error");
    expect(byRule["no-secrets"].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "config/app.ini", uriBaseId: "%SRCROOT%" },
      region: { startLine: 3 },
    });
    expect(byRule["no-secrets"].message.text).toMatch(/Fix: Move the secret to the vault$/);
    // A preset's check with no file to point at: the policy's extends line.
    expect(byRule["security-policy"].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: ".readiness.yml", uriBaseId: "%SRCROOT%" },
      region: { startLine: 2 },
    });
    // Passing checks are rules, not results.
    expect(byRule.readme).toBeUndefined();
    // Rule indexes point at their rule.
    for (const x of run.results) expect(run.tool.driver.rules[x.ruleIndex].id).toBe(x.ruleId);
  });
});

describe("--format github", () => {
  it("prints ::error for what blocks and ::warning for the rest, with file and line, then the verdict", async () => {
    const dir = sampleRepo();
    const r = await cli(["check", "--format", "github"], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    const commands = lines.map(parseCommand);
    const secret = commands.find((c) => c?.props.title?.startsWith("No hard-coded secrets"));
    expect(secret).toEqual({
      name: "error",
      props: { file: "config/app.ini", line: "3", title: "No hard-coded secrets (no-secrets): fail" },
      message: expect.stringMatching(/^config\/app\.ini:3 contains .*\nFix: Move the secret to the vault$/),
    });
    const security = commands.find((c) => c?.props.title?.includes("(security-policy)"));
    expect(security?.props).toMatchObject({ file: ".readiness.yml", line: "2" });
    expect(lines.at(-1)).toMatch(/^Readiness NO-GO · \d+\.\d\/100 \(needs 80\) · \d+ blocking$/);
    // Nothing but our commands starts with "::": text of a check cannot become a command.
    expect(lines.filter((l) => l.startsWith("::")).every((l) => parseCommand(l) !== null)).toBe(true);
  });

  it("escapes data and properties the way the runner unescapes them", () => {
    expect(escapeData("100% done\r\nnext")).toBe("100%25 done%0D%0Anext");
    expect(escapeProperty("a: b, c%\n")).toBe("a%3A b%2C c%25%0A");
    const line = `::warning title=${escapeProperty("x: y, z")}::${escapeData("two\nlines ::set-output")}`;
    expect(parseCommand(line)).toEqual({
      name: "warning",
      props: { title: "x: y, z" },
      message: "two\nlines ::set-output",
    });
  });
});

describe("gate.mode: warn", () => {
  it("exits 0 on NO-GO and still prints the verdict", async () => {
    const dir = sampleRepo("warn");
    const r = await cli(["check"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/NO-GO/);
    const json = await cli(["check", "--format", "json"], { cwd: dir });
    expect([json.code, JSON.parse(json.stdout).verdict, JSON.parse(json.stdout).mode]).toEqual([
      0,
      "no-go",
      "warn",
    ]);
  });
});
