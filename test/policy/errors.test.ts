import { describe, expect, it } from "vitest";
import {
  formatPolicyError,
  type LoadOptions,
  type LoadResult,
  loadPolicy,
  parsePolicy,
} from "../../src/policy/load.js";

const F = ".readiness.yml";
const doc = (...lines: string[]): string => `${lines.join("\n")}\n`;
const errorsOf = (r: LoadResult): string[] => (r.ok ? [] : r.errors.map(formatPolicyError));
const warningsOf = (r: LoadResult): string[] => (r.ok ? r.warnings.map(formatPolicyError) : []);

const README = "  readme: {file: {path: README.md}}";
const NOW = { now: new Date("2025-06-01T12:00:00Z") };

interface Row {
  name: string;
  text: string;
  opts?: LoadOptions;
  errors: string[];
}

const rows: Row[] = [
  // YAML itself
  {
    name: "invalid YAML, with the parser's position",
    text: doc("version: 1", "checks:", "  a: [1, 2", "  b: c"),
    errors: [
      ".readiness.yml:4:3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  },
  {
    name: "tab indentation",
    text: doc("version: 1", "checks:", "\ta: 1"),
    errors: [".readiness.yml:3:1: invalid YAML: Tabs are not allowed as indentation"],
  },
  {
    name: "two documents",
    text: doc("version: 1", "---", "version: 1"),
    errors: [".readiness.yml:2:1: a policy is a single YAML document, but a second one starts here"],
  },
  {
    name: "duplicate keys",
    text: doc("version: 1", "checks:", "  a: {file: {path: x}}", "  a: {file: {path: y}}"),
    errors: ['.readiness.yml:4:3: duplicate key "a" (first defined at line 3, column 3)'],
  },
  {
    name: "duplicate top-level keys",
    text: doc("version: 1", "gate: {minScore: 50}", "version: 1"),
    errors: ['.readiness.yml:3:1: duplicate key "version" (first defined at line 1, column 1)'],
  },
  {
    name: "alias to an anchor never defined",
    text: doc("version: 1", "checks: *nope"),
    errors: [".readiness.yml:2:9: alias *nope refers to no anchor &nope defined before it"],
  },
  {
    name: "alias inside its own anchor",
    text: doc("version: 1", "checks: &c {a: *c}"),
    errors: [".readiness.yml:2:16: alias *c refers to a node that contains it"],
  },
  {
    name: "a list as a mapping key",
    text: doc("version: 1", "? [a, b]", ": 1"),
    errors: [".readiness.yml:2:3: mapping keys must be plain values (not lists, mappings or aliases)"],
  },
  // the document's shape
  {
    name: "not a mapping",
    text: doc("- version: 1"),
    errors: [".readiness.yml:1:1: the policy must be a mapping (version: 1, checks: ...), got a list"],
  },
  {
    name: "a bare scalar",
    text: doc("hello"),
    errors: ['.readiness.yml:1:1: the policy must be a mapping (version: 1, checks: ...), got "hello"'],
  },
  {
    name: "empty",
    text: "",
    errors: [".readiness.yml:1:1: the policy is empty: it needs at least `version: 1`"],
  },
  {
    name: "only comments",
    text: doc("# nothing yet"),
    errors: [".readiness.yml:1:1: the policy is empty: it needs at least `version: 1`"],
  },
  {
    name: "no version",
    text: doc("checks: {}"),
    errors: ['.readiness.yml:1:1: missing required key "version" (write `version: 1`)'],
  },
  {
    name: "another version",
    text: doc("version: 2"),
    errors: [".readiness.yml:1:10: version: expected 1, got 2"],
  },
  {
    name: "version as a string",
    text: doc('version: "1"'),
    errors: ['.readiness.yml:1:10: version: expected 1, got "1"'],
  },
  // types
  {
    name: "checks as a list",
    text: doc("version: 1", "checks: [a, b]"),
    errors: [".readiness.yml:2:1: checks: expected a mapping, got a list"],
  },
  {
    name: "weight as a string",
    text: doc("version: 1", "checks:", "  a:", "    weight: heavy", "    file: {path: README.md}"),
    errors: ['.readiness.yml:4:13: checks.a.weight: expected a number, got "heavy"'],
  },
  {
    name: "a glob as a number",
    text: doc("version: 1", "checks:", "  a:", "    file: {path: 5}"),
    errors: [".readiness.yml:4:18: checks.a.file.path: expected a string or a list, got 5"],
  },
  {
    name: "an empty glob list",
    text: doc("version: 1", "checks:", "  a:", "    file: {path: []}"),
    errors: [".readiness.yml:4:12: checks.a.file.path: must list at least 1 item"],
  },
  {
    name: "pullRequests: true",
    text: doc("version: 1", "applies: {pullRequests: true}"),
    errors: [".readiness.yml:2:25: applies.pullRequests: expected false or a mapping, got true"],
  },
  {
    name: "a fraction where a whole number belongs",
    text: doc("version: 1", "commands: {waive: {maxDays: 1.5}}"),
    errors: [".readiness.yml:2:29: commands.waive.maxDays: expected a whole number, got 1.5"],
  },
  {
    name: "an unknown enum value, with did you mean",
    text: doc("version: 1", "gate: {mode: warm}"),
    errors: [
      '.readiness.yml:2:14: gate.mode: expected one of "block", "warn", got "warm" (did you mean "warn"?)',
    ],
  },
  {
    name: "an unknown context",
    text: doc("version: 1", "checks:", "  a:", "    contexts: [pull-request]", "    file: {path: x}"),
    errors: [
      '.readiness.yml:4:16: checks.a.contexts[0]: expected one of "pull_request", "release", "deployment", "local", got "pull-request" (did you mean "pull_request"?)',
    ],
  },
  {
    name: "an invalid check id",
    text: doc("version: 1", "checks:", '  "-a": {file: {path: x}}'),
    errors: [
      `.readiness.yml:3:3: checks["-a"]: invalid id "-a": check ids are letters, digits, '.', '_' and '-', starting with a letter or digit`,
    ],
  },
  // unknown keys
  {
    name: "unknown top-level key, did you mean",
    text: doc("version: 1", "chekcs: {}"),
    errors: ['.readiness.yml:2:1: chekcs: unknown key "chekcs" (did you mean "checks"?)'],
  },
  {
    name: "unknown key without a near match lists the allowed keys",
    text: doc("version: 1", "owner: team-a"),
    errors: [
      '.readiness.yml:2:1: owner: unknown key "owner"; expected one of $schema, version, extends, applies, gate, categories, checks, levels, waivers, commands, projects',
    ],
  },
  {
    name: "maxAgeDay → maxAgeDays",
    text: doc(
      "version: 1",
      "checks:",
      "  runbook:",
      "    file:",
      "      path: docs/runbook.md",
      "      maxAgeDay: 30",
    ),
    errors: [
      '.readiness.yml:6:7: checks.runbook.file.maxAgeDay: unknown key "maxAgeDay" (did you mean "maxAgeDays"?)',
    ],
  },
  {
    name: "worklow → workflow (and no second error about the missing kind)",
    text: doc("version: 1", "checks:", "  ci:", "    worklow: {file: ci.yml}"),
    errors: ['.readiness.yml:4:5: checks.ci.worklow: unknown key "worklow" (did you mean "workflow"?)'],
  },
  {
    name: "YAML 1.2 core schema: `on` is a plain key, not true",
    text: doc("version: 1", "on: yes"),
    errors: [
      '.readiness.yml:2:1: on: unknown key "on"; expected one of $schema, version, extends, applies, gate, categories, checks, levels, waivers, commands, projects',
    ],
  },
  {
    name: "YAML merge keys",
    text: doc("version: 1", "checks:", "  a:", "    <<: {weight: 2}", "    file: {path: x}"),
    errors: [
      '.readiness.yml:4:5: checks.a["<<"]: unknown key "<<" (YAML merge keys are not supported; repeat the values)',
    ],
  },
  // kinds
  {
    name: "two kinds in one check",
    text: doc("version: 1", "checks:", "  ci:", "    file: {path: x}", "    workflow: {file: ci.yml}"),
    errors: [".readiness.yml:5:5: checks.ci.workflow: a check has exactly one kind, found file and workflow"],
  },
  {
    name: "no kind",
    text: doc("version: 1", "checks:", "  ci:", "    title: CI"),
    errors: [
      ".readiness.yml:3:3: checks.ci: a check needs exactly one kind: one of file, workflow, status, artifact, release, branch, alerts, signoff, pr, attestation",
    ],
  },
  {
    name: "a kind's own rule",
    text: doc("version: 1", "checks:", "  b:", "    branch: {name: main}"),
    errors: [".readiness.yml:4:5: checks.b.branch: a branch check needs requiresChecks or minReviews"],
  },
  // numbers
  {
    name: "negative weight",
    text: doc("version: 1", "checks:", "  a:", "    weight: -1", "    file: {path: README.md}"),
    errors: [".readiness.yml:4:13: checks.a.weight: must be at least 0, got -1"],
  },
  {
    name: "negative category weight",
    text: doc("version: 1", "categories:", "  docs: {weight: -1}"),
    errors: [".readiness.yml:3:18: categories.docs.weight: must be greater than 0, got -1"],
  },
  {
    name: "minScore above 100",
    text: doc("version: 1", "gate:", "  minScore: 101"),
    errors: [".readiness.yml:3:13: gate.minScore: must be between 0 and 100, got 101"],
  },
  {
    name: "minScore below 0",
    text: doc("version: 1", "gate: {minScore: -5}"),
    errors: [".readiness.yml:2:18: gate.minScore: must be between 0 and 100, got -5"],
  },
  // references
  {
    name: "unknown category, did you mean",
    text: doc(
      "version: 1",
      "categories:",
      "  security: {}",
      "checks:",
      "  a:",
      "    category: secuirty",
      "    file: {path: SECURITY.md}",
    ),
    errors: [
      '.readiness.yml:6:15: checks.a.category: unknown category "secuirty" (did you mean "security"?); declare it under categories or leave category out for general',
    ],
  },
  {
    name: "waiver for an unknown check",
    text: doc(
      "version: 1",
      "checks:",
      README,
      "waivers:",
      "  - check: readmy",
      "    reason: not this week",
      "    expires: 2030-01-01",
    ),
    errors: [
      '.readiness.yml:5:12: waivers[0].check: no check "readmy" in this policy (did you mean "readme"?)',
    ],
  },
  {
    name: "a level requiring an unknown check",
    text: doc("version: 1", "checks:", README, "levels:", "  silver: {minScore: 80, require: [readmy]}"),
    errors: [
      '.readiness.yml:5:36: levels.silver.require[0]: no check "readmy" in this policy (did you mean "readme"?)',
    ],
  },
  {
    name: "two levels with one minScore",
    text: doc("version: 1", "checks:", README, "levels:", "  bronze: 60", "  silver: {minScore: 60}"),
    errors: [
      '.readiness.yml:6:3: levels.silver: levels "bronze" and "silver" both need 60; give each level its own minScore',
    ],
  },
  {
    name: "a level above 100",
    text: doc("version: 1", "checks:", README, "levels:", "  gold: 101"),
    errors: [".readiness.yml:5:9: levels.gold: must be between 0 and 100, got 101"],
  },
  {
    name: "waiver without expiry",
    text: doc("version: 1", "checks:", README, "waivers:", "  - check: readme", "    reason: not this week"),
    errors: [
      '.readiness.yml:5:5: waivers[0]: missing required key "expires" (the last day the waiver holds, YYYY-MM-DD; every waiver expires)',
    ],
  },
  {
    name: "waiver expiry not a date",
    text: doc(
      "version: 1",
      "checks:",
      README,
      "waivers:",
      "  - check: readme",
      "    reason: not this week",
      "    expires: next week",
    ),
    errors: ['.readiness.yml:7:14: waivers[0].expires: expected a date written YYYY-MM-DD, got "next week"'],
  },
  {
    name: "waiver expiry not in the calendar",
    text: doc(
      "version: 1",
      "checks:",
      README,
      "waivers:",
      "  - check: readme",
      "    reason: not this week",
      "    expires: 2030-02-30",
    ),
    errors: ['.readiness.yml:7:14: waivers[0].expires: not a calendar date, got "2030-02-30"'],
  },
  {
    name: "past-dated waiver when strict",
    text: doc(
      "version: 1",
      "checks:",
      README,
      "waivers:",
      "  - check: readme",
      "    reason: not this week",
      "    expires: 2024-01-01",
    ),
    opts: { ...NOW, strict: true },
    errors: [".readiness.yml:7:14: waivers[0].expires: the waiver expired on 2024-01-01"],
  },
  // values
  {
    name: "invalid RE2 pattern",
    text: doc("version: 1", "checks:", "  a:", "    file:", "      path: README.md", '      contains: "a(b"'),
    errors: [
      ".readiness.yml:6:17: checks.a.file.contains: invalid RE2 regular expression: missing closing ): `a(b`",
    ],
  },
  {
    name: "a pattern RE2 refuses (lookbehind)",
    text: doc(
      "version: 1",
      "checks:",
      "  a:",
      "    file:",
      "      path: README.md",
      '      contains: "(?<=x)y"',
    ),
    errors: [
      ".readiness.yml:6:17: checks.a.file.contains: invalid RE2 regular expression: lookaround such as (?<=…) is not supported: RE2 matches in linear time; use notContains to forbid a pattern, or match the surrounding text",
    ],
  },
  {
    name: "an absolute path in a list",
    text: doc("version: 1", "checks:", "  a:", "    file:", "      path: [README.md, /etc/passwd]"),
    errors: [
      '.readiness.yml:5:25: checks.a.file.path[1]: "/etc/passwd" is an absolute path; paths are relative to the repository root',
    ],
  },
  {
    name: "a path leaving the repository",
    text: doc("version: 1", "checks:", "  a:", '    file: {path: "docs/../../secret"}'),
    errors: [
      '.readiness.yml:4:18: checks.a.file.path: "docs/../../secret" leaves the repository (a ".." segment); paths are relative to the repository root',
    ],
  },
  {
    name: "a brace alternative leaving the repository",
    text: doc("version: 1", "checks:", "  a:", '    file: {path: "{..,docs}/x.md"}'),
    errors: [
      '.readiness.yml:4:18: checks.a.file.path: "{..,docs}/x.md" leaves the repository (a ".." segment); paths are relative to the repository root',
    ],
  },
  {
    name: "a Windows drive path",
    text: doc("version: 1", "checks:", "  a:", '    file: {path: "C:\\\\x"}'),
    errors: [
      '.readiness.yml:4:18: checks.a.file.path: "C:\\\\x" is an absolute path; paths are relative to the repository root',
    ],
  },
  {
    name: "an artifact file leaving the artifact",
    text: doc(
      "version: 1",
      "checks:",
      "  a:",
      "    artifact:",
      "      workflow: load.yml",
      "      name: results",
      "      json: {file: ../x.json, path: p95, below: 300}",
    ),
    errors: [
      '.readiness.yml:7:20: checks.a.artifact.json.file: "../x.json" leaves the artifact (a ".." segment); paths are relative to the artifact root',
    ],
  },
  // artifact json: a table of targets (issue 9)
  {
    name: "a json target table with a comparison beside file",
    text: doc(
      "version: 1",
      "checks:",
      "  a:",
      "    artifact:",
      "      workflow: ci.yml",
      "      name: coverage",
      "      json:",
      "        file: coverage.json",
      "        atLeast: 80",
      "        assert:",
      "          - {path: totals.lines, atLeast: 80}",
    ),
    errors: [
      ".readiness.yml:9:18: checks.a.artifact.json.atLeast: with assert, atLeast goes inside each entry of the list, not beside file, got 80",
    ],
  },
  {
    name: "a json target without a comparison, and one with a misspelt key",
    text: doc(
      "version: 1",
      "checks:",
      "  a:",
      "    artifact:",
      "      workflow: ci.yml",
      "      name: coverage",
      "      json:",
      "        file: coverage.json",
      "        assert:",
      "          - {path: totals.lines, label: line coverage}",
      "          - {path: totals.branches, atleast: 90}",
    ),
    errors: [
      ".readiness.yml:10:13: checks.a.artifact.json.assert[0]: a json assertion needs one of below, atMost, atLeast, above, equals",
      ".readiness.yml:11:13: checks.a.artifact.json.assert[1]: a json assertion needs one of below, atMost, atLeast, above, equals",
      '.readiness.yml:11:37: checks.a.artifact.json.assert[1].atleast: unknown key "atleast" (did you mean "atLeast"?)',
    ],
  },
  {
    name: "a json assertion with neither path nor assert",
    text: doc(
      "version: 1",
      "checks:",
      "  a:",
      "    artifact: {workflow: ci.yml, name: coverage, json: {file: coverage.json, atLeast: 80}}",
    ),
    errors: [
      ".readiness.yml:4:50: checks.a.artifact.json: a json assertion needs path (one figure) or assert (a list of them)",
    ],
  },
  {
    name: "a changed-file glob leaving the repository",
    text: doc("version: 1", "checks:", "  a:", "    pr: {changedFiles: [../CHANGELOG.md]}"),
    errors: [
      '.readiness.yml:4:25: checks.a.pr.changedFiles[0]: "../CHANGELOG.md" leaves the repository (a ".." segment); paths are relative to the repository root',
    ],
  },
  // extends entries
  {
    name: "an org/repo reference without the App",
    text: doc("version: 1", "extends: [acme/policies:readiness/base.yml@v1]"),
    errors: [
      '.readiness.yml:2:11: extends[0]: "acme/policies:readiness/base.yml@v1": org/repo references are resolved by the GitHub App',
    ],
  },
  {
    name: "an unknown preset",
    text: doc("version: 1", "extends: [readiness:servce]"),
    errors: [
      '.readiness.yml:2:11: extends[0]: unknown preset "readiness:servce" (did you mean "readiness:service"?); presets: readiness:baseline, readiness:service, readiness:supply-chain',
    ],
  },
  {
    name: "an extends entry that is neither",
    text: doc("version: 1", 'extends: ["not a ref"]'),
    errors: [
      '.readiness.yml:2:11: extends[0]: "not a ref" is neither a preset (readiness:baseline, readiness:service, readiness:supply-chain) nor owner/repo:path[@ref]',
    ],
  },
  {
    name: "a remote path leaving its repository",
    text: doc("version: 1", "extends: [acme/policies:../x.yml]"),
    errors: [
      '.readiness.yml:2:11: extends[0]: "../x.yml" leaves the repository (a ".." segment); paths are relative to the repository root',
    ],
  },
];

describe("policy errors: file:line:column: message", () => {
  it.each(rows)("$name", async ({ text, opts, errors }) => {
    expect(errorsOf(await loadPolicy(text, F, opts))).toEqual(errors);
  });

  it.each(rows.filter((r) => !r.text.includes("extends")))(
    "parsePolicy agrees: $name",
    ({ text, opts, errors }) => {
      expect(errorsOf(parsePolicy(text, F, opts))).toEqual(errors);
    },
  );

  it("reports every problem of a document at once, in document order", async () => {
    const text = doc(
      "version: 1",
      "gate:",
      "  minScore: 120",
      "  mode: blok",
      "checks:",
      "  readme:",
      "    file:",
      "      path: README.md",
      "      maxAgeDay: 3",
      "  re:",
      '    file: {path: [ok, /abs], contains: "a(b"}',
      "bogus: 1",
    );
    expect(errorsOf(await loadPolicy(text, F))).toEqual([
      ".readiness.yml:3:13: gate.minScore: must be between 0 and 100, got 120",
      '.readiness.yml:4:9: gate.mode: expected one of "block", "warn", got "blok" (did you mean "block"?)',
      '.readiness.yml:9:7: checks.readme.file.maxAgeDay: unknown key "maxAgeDay" (did you mean "maxAgeDays"?)',
      '.readiness.yml:11:23: checks.re.file.path[1]: "/abs" is an absolute path; paths are relative to the repository root',
      ".readiness.yml:11:40: checks.re.file.contains: invalid RE2 regular expression: missing closing ): `a(b`",
      '.readiness.yml:12:1: bogus: unknown key "bogus"; expected one of $schema, version, extends, applies, gate, categories, checks, levels, waivers, commands, projects',
    ]);
  });

  it("points into flow mappings, and through an alias to the anchored node", async () => {
    const text = doc(
      "version: 1",
      "checks:",
      "  a: &base {weight: 2, file: {path: x, minBytes: -1}}",
      "  b: *base",
      "  c: {file: *base}",
    );
    expect(errorsOf(await loadPolicy(text, F))).toEqual([
      '.readiness.yml:3:13: checks.c.file.weight: unknown key "weight"; expected one of path, minBytes, contains, maxAgeDays, every, notContains, absent, allowNone',
      '.readiness.yml:3:24: checks.c.file.file: unknown key "file"; expected one of path, minBytes, contains, maxAgeDays, every, notContains, absent, allowNone',
      ".readiness.yml:3:50: checks.a.file.minBytes: must be at least 0, got -1",
      ".readiness.yml:3:50: checks.b.file.minBytes: must be at least 0, got -1",
      '.readiness.yml:5:7: checks.c.file: missing required key "path"',
    ]);
  });

  it("handles CRLF line ends and a byte-order mark", async () => {
    const text = "\uFEFFversion: 1\r\nchecks:\r\n  a:\r\n    weight: -1\r\n    file: {path: x}\r\n";
    expect(errorsOf(await loadPolicy(text, F))).toEqual([
      ".readiness.yml:4:13: checks.a.weight: must be at least 0, got -1",
    ]);
  });
});

describe("policy warnings", () => {
  const waiverDoc = doc(
    "version: 1",
    "checks:",
    README,
    "waivers:",
    "  - check: readme",
    "    reason: not this week",
    "    expires: 2024-01-01",
  );

  it("a past-dated waiver is a warning unless strict (the engine reports it as expired)", async () => {
    const r = await loadPolicy(waiverDoc, F, NOW);
    expect(r.ok).toBe(true);
    expect(warningsOf(r)).toEqual([
      ".readiness.yml:7:14: waivers[0].expires: the waiver expired on 2024-01-01 and no longer applies",
    ]);
  });

  it("without now, expiry is not judged", async () => {
    const r = await loadPolicy(waiverDoc, F, { strict: true });
    expect(r.ok && r.warnings).toEqual([]);
  });

  it("a waiver on its last day still holds", async () => {
    const r = await loadPolicy(waiverDoc, F, { now: new Date("2024-01-01T23:59:59Z"), strict: true });
    expect(r.ok && r.warnings).toEqual([]);
  });

  it("a waiver for a check that is not waivable", async () => {
    const text = doc(
      "version: 1",
      "checks:",
      "  readme: {waivable: false, file: {path: README.md}}",
      "waivers:",
      "  - {check: readme, reason: not this week, expires: 2030-01-01}",
    );
    expect(warningsOf(await loadPolicy(text, F))).toEqual([
      '.readiness.yml:5:13: waivers[0].check: check "readme" is not waivable, so this waiver is ignored',
    ]);
  });

  it("an unresolved YAML tag", async () => {
    const r = await loadPolicy(doc("version: 1", "gate: {checkName: !foo Ready}"), F);
    expect(warningsOf(r)).toEqual([".readiness.yml:2:19: YAML: Unresolved tag: !foo"]);
    expect(r.ok && r.policy.gate.checkName).toBe("Ready");
  });
});

describe("formatPolicyError", () => {
  it("is file:line:column: message", () => {
    expect(formatPolicyError({ file: "a/b.yml", line: 3, column: 7, message: "bad" })).toBe(
      "a/b.yml:3:7: bad",
    );
  });
});

describe("a valid policy", () => {
  it("gets defaults, keeps checks in order and drops removals", async () => {
    const r = await loadPolicy(
      doc(
        "version: 1",
        "checks:",
        "  b: {file: {path: B.md}}",
        "  a: {file: {path: A.md}, category: general}",
      ),
      F,
    );
    if (!r.ok) throw new Error(errorsOf(r).join("\n"));
    expect(Object.keys(r.policy.checks)).toEqual(["b", "a"]);
    expect(r.policy.checks.b).toEqual({ weight: 1, required: false, waivable: true, file: { path: "B.md" } });
    expect(r.policy.gate).toEqual({
      minScore: 80,
      mode: "block",
      checkName: "Production readiness",
      onRelease: "report",
    });
    expect(r.warnings).toEqual([]);
  });

  it("never mistakes a non-string for text", () => {
    expect(errorsOf(parsePolicy(42 as unknown as string, F))).toEqual([
      ".readiness.yml:1:1: the policy must be text",
    ]);
  });
});
