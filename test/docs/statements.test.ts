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

  it("`blocking` is what report-format.md says: a non-required failure blocks only under minScore", async () => {
    const stated = row(read("docs/report-format.md"), "`blocking`");
    expect(stated).toContain("only when the score is below `minScore`, every `fail` check");
    expect(stated).toContain("every check `unknown` or `error`, required or not");
    const policy = (minScore: number) => `version: 1
gate: { minScore: ${minScore} }
checks:
  readme: { weight: 3, file: { path: README.md } }
  runbook: { required: true, file: { path: docs/runbook.md } }
  slo: { file: { path: docs/slo.md } }
  ci: { workflow: { file: ci.yml } }
`;
    const run = async (minScore: number, files: Record<string, string> = {}) => {
      const dir = repo({ ".readiness.yml": policy(minScore), "README.md": "# x\n", ...files });
      const r = await cli(["check", "--format", "json", "--now", "2025-03-01"], { cwd: dir });
      return JSON.parse(r.stdout);
    };
    // score 3/6 = 50: at minScore 50 the optional slo failure does not block; at 80 it does
    expect((await run(50)).blocking).toEqual(["runbook", "ci"]);
    expect((await run(80)).blocking).toEqual(["runbook", "slo", "ci"]);
    // required failures and unknowns block even when the score reaches minScore
    const reached = await run(10, { "docs/slo.md": "x\n" });
    expect(reached.score).toBeGreaterThanOrEqual(10);
    expect(reached.blocking).toEqual(["runbook", "ci"]);
  });
});
