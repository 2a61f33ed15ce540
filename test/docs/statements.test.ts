// What the hand-written docs state about verdicts, checked against what the CLI really prints (issue 9, item
// 9). docs/checks.md is generated (test/docs/checks-doc.test.ts); these are statements generation cannot make.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, cli, repo } from "../cli/helpers.js";

afterAll(cleanup);

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), "utf8");
const row = (doc: string, first: string) => doc.split("\n").find((l) => l.startsWith(`| ${first} |`)) ?? "";

describe("docs agree with the code", () => {
  it("an unknown check is not waivable, in every document and in the report", async () => {
    expect(row(read("docs/checks.md"), "`unknown`")).toContain("Not waivable");
    expect(row(read("docs/checks.md"), "`unknown`")).not.toMatch(/\. Waivable\./);
    expect(read("docs/configuration.md")).toContain("it never covers `unknown` or `error`");
    const dir = repo({
      ".readiness.yml": `version: 1
checks:
  ci: { required: true, workflow: { file: ci.yml } }
  readme: { file: { path: README.md } }
waivers:
  - { check: ci, reason: "CI is down for maintenance today", expires: 2030-01-01 }
`,
      "README.md": "# x\n",
    });
    const r = await cli(["check", "--format", "json", "--now", "2025-03-01"], { cwd: dir });
    const report = JSON.parse(r.stdout);
    expect(report.checks.find((c: { id: string }) => c.id === "ci").status).toBe("unknown");
    expect(report.verdict).toBe("no-go");
    expect(report.notes.join("\n")).toContain("does not cover it");
  });

  it("`blocking` is what report-format.md says: a failure blocks when its fix would reach minScore", async () => {
    const stated = row(read("docs/report-format.md"), "`blocking`");
    expect(stated).toContain("each `fail` check whose fix alone would reach `minScore`");
    expect(stated).toContain("the fewest `fail` checks whose fixes together would, costliest first");
    expect(stated).toContain("every check `unknown` or `error`, required or not");
    const run = async (policy: string, files: Record<string, string> = {}) => {
      const dir = repo({ ".readiness.yml": `version: 1\n${policy}`, "README.md": "# x\n", ...files });
      const r = await cli(["check", "--format", "json", "--now", "2025-03-01"], { cwd: dir });
      return JSON.parse(r.stdout);
    };
    const mixed = (minScore: number) => `gate: { minScore: ${minScore} }
checks:
  readme: { weight: 3, file: { path: README.md } }
  runbook: { required: true, file: { path: docs/runbook.md } }
  slo: { file: { path: docs/slo.md } }
  ci: { workflow: { file: ci.yml } }
`;
    // Required failures and unknowns block; with them fixed the score is 5/6 = 83.3: at 80 the optional slo
    // failure costs points but does not decide, at 90 its fix is what reaches minScore.
    expect((await run(mixed(80))).blocking).toEqual(["runbook", "ci"]);
    expect((await run(mixed(90))).blocking).toEqual(["runbook", "slo", "ci"]);
    // Score 3/6 = 50 under 80: fixing `big` (weight 2) alone reaches 83.3, fixing `small` only 66.7.
    const one = await run(`gate: { minScore: 80 }
checks:
  readme: { weight: 3, file: { path: README.md } }
  big: { weight: 2, file: { path: big.md } }
  small: { file: { path: small.md } }
`);
    expect(one.blocking).toEqual(["big"]);
    expect(one.checks.map((c: { cost: number }) => c.cost)).toEqual([0, 33.3, 16.7]);
    // No single fix reaches 70 (each gives 50): the fewest that do, costliest first (equal here: policy order).
    const few = await run(`gate: { minScore: 70 }
checks:
  readme: { file: { path: README.md } }
  a: { file: { path: a.md } }
  b: { file: { path: b.md } }
  c: { file: { path: c.md } }
`);
    expect(few.score).toBe(25);
    expect(few.blocking).toEqual(["a", "b"]);
  });
});
