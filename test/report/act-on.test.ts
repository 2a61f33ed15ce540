// Reports people act on (issue 10 §3), through real inputs: a policy file and a git checkout, evaluated by the
// engine; what is asserted is the text a person reads in the terminal, the check run and the PR comment.
import { afterAll, describe, expect, it } from "vitest";
import { runEvaluation } from "../../src/engine/run.js";
import { LocalEvidence, localTarget } from "../../src/evidence/local/provider.js";
import { loadPolicy } from "../../src/policy/load.js";
import { reportResult, scoreFromTitle, titleOf } from "../../src/report/check-run.js";
import { renderComment, renderMarkdown } from "../../src/report/markdown.js";
import { cleanup, cli, repo } from "../cli/helpers.js";

afterAll(cleanup);

const NOW = new Date("2025-03-01T00:00:00Z");

// Score 3/7 (42.9) under 80. Fixing `changelog` (weight 2) alone gives 71.4, so the fewest fixes that reach 80
// are changelog then runbook (85.7); `license` (weight 1) is not needed. `sbom` is required and not waivable.
const POLICY = `version: 1
gate: { minScore: 80 }
levels:
  bronze: 40
  silver: { minScore: 80, require: [sbom] }
checks:
  readme: { weight: 3, file: { path: README.md } }
  changelog: { weight: 2, fix: Add CHANGELOG.md with this release's changes, file: { path: CHANGELOG.md } }
  runbook: { weight: 1, file: { path: docs/runbook.md } }
  license: { weight: 1, file: { path: LICENSE } }
  sbom: { weight: 0, required: true, waivable: false, file: { path: sbom.json } }
`;

async function evaluate(files: Record<string, string> = {}) {
  const dir = repo({ ".readiness.yml": POLICY, "README.md": "# x\n", ...files });
  const loaded = await loadPolicy(POLICY, ".readiness.yml", { now: NOW });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const report = await runEvaluation({
    policy: loaded.policy,
    provider: new LocalEvidence(dir),
    target: await localTarget(dir),
    now: NOW,
  });
  return { dir, report, policy: loaded.policy };
}

describe("the text report", () => {
  it("opens with the verdict line and closes with What blocks, costliest first, each with its fix", async () => {
    const { dir } = await evaluate();
    const r = await cli(["check", "--now", "2025-03-01"], { cwd: dir });
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(
      "NO-GO · 42.9/100 (needs 80) · 3 blocking · level bronze (silver needs 80 and sbom)",
    );
    expect(r.stdout).toMatch(/✗ FAIL {4}changelog {2}\(BLOCKING\)/);
    expect(r.stdout).toMatch(/✗ FAIL {4}license\n/);
    const tail = r.stdout.slice(r.stdout.lastIndexOf("What blocks"));
    expect(tail).toBe(
      [
        "What blocks",
        "  1. changelog  (fail, costs 28.6 points)",
        "     fix: Add CHANGELOG.md with this release's changes",
        "  2. runbook  (fail, costs 14.3 points)",
        "     fix: Add docs/runbook.md",
        "  3. sbom  (fail, required)",
        "     fix: Add sbom.json",
        "",
      ].join("\n"),
    );
    expect((await cli(["check", "--now", "2025-03-01", "--quiet"], { cwd: dir })).stdout).toBe(
      `${lines[0]}\n`,
    );
    const failing = await cli(["check", "--now", "2025-03-01", "--only-failing"], { cwd: dir });
    expect(failing.stdout).not.toContain("readme");
    expect(failing.stdout).toContain("license");
    const bad = await cli(["check", "--format", "json", "--quiet"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--only-failing and --quiet shape the text format only");
  });

  it("says how to reach GitHub-only evidence once, not on every check", async () => {
    const dir = repo({
      ".readiness.yml": `version: 1
checks:
  ci: { workflow: { file: ci.yml } }
  deploy: { workflow: { file: deploy.yml } }
`,
    });
    const r = await cli(["check", "--now", "2025-03-01"], { cwd: dir });
    expect(r.stdout.split("--repo OWNER/NAME").length - 1).toBe(1);
    expect(r.stdout).toContain("2 checks need evidence only GitHub has (ci, deploy)");
    expect(r.stdout).toContain("runs of ci.yml could not be read: workflow runs are only known to GitHub\n");
  });

  it("a level is reached only with every lower one, and names what the next needs", async () => {
    const all = {
      "CHANGELOG.md": "x\n",
      "docs/runbook.md": "x\n",
      LICENSE: "x\n",
      "sbom.json": "{}\n",
    };
    const { report } = await evaluate(all);
    expect(report.verdict).toBe("go");
    expect(report.level).toBe("silver");
    const { report: missing } = await evaluate({
      "CHANGELOG.md": "x\n",
      "docs/runbook.md": "x\n",
      LICENSE: "x\n",
    });
    expect(missing.score).toBe(100);
    expect(missing.level).toBe("bronze");
    expect(missing.levels.find((l) => l.id === "silver")).toMatchObject({
      reached: false,
      missing: ["sbom"],
    });
  });
});

describe("the check run and the comment", () => {
  it("lead with What blocks, give each failing waivable check its waive line, end the comment with help", async () => {
    const { report } = await evaluate();
    report.target = { ...report.target, context: "pull_request", pullRequest: 7 };
    const md = renderMarkdown(report, { title: "Production readiness" });
    expect(md.indexOf("### What blocks")).toBeLessThan(md.indexOf("### Categories"));
    expect(md).toContain(
      "- ❌ **changelog** · costs 28.6 points — CHANGELOG.md is missing\n  **fix:** Add CHANGELOG.md with this release's changes\n  or waive: `/readiness waive changelog for 14d <reason>`",
    );
    // Required, not waivable: no waive line anywhere for it.
    expect(md).not.toContain("waive sbom");
    // license fails but does not block: its row still says how to waive it.
    expect(md).toMatch(
      /\| ❌ \| \*\*license\*\* \|.*or waive: `\/readiness waive license for 14d <reason>` \|/,
    );

    const comment = renderComment(report, { title: "Production readiness" });
    expect(comment).toContain("or waive: `/readiness waive runbook for 14d <reason>`");
    expect(comment).toContain("**Also failing** (costs points; not needed to reach GO)");
    expect(comment).toContain("- ❌ **license** · costs 14.3 points — LICENSE is missing");
    expect(comment.trimEnd().split("\n").at(-1)).toBe(
      "Reply `/readiness help` to see the commands: waive, unwaive, sign off, re-check.",
    );
    expect(comment).toContain("**3 blocking · level bronze (silver needs 80 and sbom)**");
  });

  it("asks no longer a waiver than the policy allows, and none on a release's run", async () => {
    const { report } = await evaluate();
    report.waiveDays = 7;
    expect(renderComment(report)).toContain("`/readiness waive changelog for 7d <reason>`");
    report.target = { ...report.target, context: "release", release: "v1.0.0" };
    expect(renderMarkdown(report)).not.toContain("/readiness waive");
  });

  it("shows the change against the base branch in the title, the summary and the comment", async () => {
    const { report } = await evaluate({
      "CHANGELOG.md": "x\n",
      "docs/runbook.md": "x\n",
      "sbom.json": "{}\n",
    });
    expect(report.score).toBe(85.7);
    const baseline = { score: 80.3, ref: "main" };
    const result = reportResult(report, {
      checkName: "Production readiness",
      timeSensitive: false,
      baseline,
    });
    expect(result.output.title).toBe("GO · 85.7/100, +5.4 vs main · level silver");
    expect(result.output.summary.split("\n")[0]).toBe(
      "## ✅ Production readiness: GO · 85.7/100, +5.4 vs main (needs 80)",
    );
    expect(renderComment(report, { baseline: { score: 90, ref: "main" } })).toContain(
      "### ✅ GO · 85.7/100, -4.3 vs main (needs 80)",
    );
    expect(renderComment(report, { baseline: { score: 85.7, ref: "main" } })).toContain(
      "GO · 85.7/100, no change vs main (needs 80)",
    );
    // Without a baseline: no delta at all.
    expect(titleOf(report)).toBe("GO · 85.7/100 · level silver");
  });

  it("reads the score back from every title it writes, and nothing from a title without one", async () => {
    const { report } = await evaluate();
    expect(scoreFromTitle(titleOf(report))).toBe(42.9);
    expect(scoreFromTitle(titleOf(report, { score: 50, ref: "main" }))).toBe(42.9);
    expect(scoreFromTitle("GO · 100/100")).toBe(100);
    expect(scoreFromTitle("NO-GO (warn mode) · 72.5/100 (needs 80)")).toBe(72.5);
    for (const t of [
      "Could not evaluate",
      "Invalid policy: 2 problems",
      "GO · 400/100",
      "Evaluating…",
      null,
      3,
    ])
      expect(scoreFromTitle(t)).toBeNull();
  });
});
