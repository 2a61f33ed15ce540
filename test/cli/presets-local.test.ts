// Issue 9, items 2 and 5: a preset gives a useful verdict on a first local run, and passes only on files
// GitHub (or the tool concerned) actually reads. Real git repositories, the CLI as a user runs it.
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, cli, repo } from "./helpers.js";

afterAll(cleanup);

const NOW = ["--now", "2025-03-01"];
const BASELINE_FILES = {
  "README.md": "# Demo\n",
  LICENSE: "MIT\n",
  "CHANGELOG.md": "# Changelog\n",
  "SECURITY.md": "Report to security@example.com\n",
  ".github/CODEOWNERS": "* @acme/team\n",
  ".github/dependabot.yml": "version: 2\n",
  ".github/workflows/ci.yml": "on: push\n",
};
const SERVICE_FILES = {
  ...BASELINE_FILES,
  "docs/runbook.md": "# Runbook\n",
  "docs/SLO.md": "# SLOs\n",
  "prometheus/alerts.yml": "groups: []\n",
  "dashboards/overview.json": "{}\n",
  "docs/threat-model.md": "# Threat model\n",
};
const policy = (...presets: string[]) => `version: 1\nextends: [${presets.join(", ")}]\n`;

describe("presets on a first local run", () => {
  it.each([
    ["readiness:baseline", BASELINE_FILES, ["ci"]],
    ["readiness:service", SERVICE_FILES, ["ci", "restore-drill"]],
    [
      "readiness:service, readiness:supply-chain",
      SERVICE_FILES,
      ["ci", "restore-drill", "vulnerabilities", "secrets", "branch-rules"],
    ],
  ] as const)(
    "%s: GO on a complete repository, GitHub-only checks left to the App, said once",
    async (presets, files, left) => {
      const dir = repo({ ...files, ".readiness.yml": policy(presets) }, "2025-02-01T00:00:00Z");
      const r = await cli(["check", ...NOW], { cwd: dir });
      expect(r.stdout.split("\n")[0]).toMatch(/^GO · 100\.0\/100 \(needs 80\)/);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain("UNKNOWN");
      expect(r.stdout).not.toContain("Make the CI workflow pass");
      // The verdict line counts the required ones; the note names them all, once.
      const notes = r.stdout
        .split("\n")
        .slice(1)
        .filter((l) => l.includes("left to GitHub"));
      expect(notes).toEqual([
        `  • ${left.length} checks are left to GitHub (${left.join(", ")}): the App evaluates them on pull requests, releases and deployments; \`readiness check --repo OWNER/NAME --ref REF\` (with GITHUB_TOKEN) does now.`
          .replace("1 checks are", "1 check is")
          .replace("evaluates them", left.length === 1 ? "evaluates it" : "evaluates them"),
      ]);
    },
  );

  it("readiness:baseline: a missing file is a NO-GO naming it, not an unknown", async () => {
    const { "SECURITY.md": _, ...rest } = BASELINE_FILES;
    const dir = repo({ ...rest, ".readiness.yml": policy("readiness:baseline") });
    const r = await cli(["check", ...NOW, "--format", "json"], { cwd: dir });
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe("no-go");
    expect(report.incomplete).toBe(false);
    const failed = report.checks.filter((c: { status: string }) => c.status === "fail");
    expect(failed.map((c: { id: string }) => c.id)).toEqual(["security-policy"]);
    expect(failed[0].summary).toContain("SECURITY.md");
  });
});

describe("preset file checks pass only on files GitHub reads", () => {
  const without = (drop: string, add: Record<string, string>) => {
    const files: Record<string, string> = { ...BASELINE_FILES, ...add };
    delete files[drop];
    return files;
  };
  it.each([
    // palantir/policy-bot: a vendored dependency's CODEOWNERS passed the code-owners check
    ["codeowners", ".github/CODEOWNERS", { "vendor/github.com/Microsoft/go-winio/CODEOWNERS": "* @x\n" }],
    ["codeowners", ".github/CODEOWNERS", { "src/CODEOWNERS": "* @x\n" }],
    ["security-policy", "SECURITY.md", { "SECURITY.txt": "mail us\n" }],
    ["security-policy", "SECURITY.md", { "src/SECURITY.md": "mail us\n" }],
    ["readme", "README.md", { "src/README.md": "# a package\n" }],
    ["license", "LICENSE", { "vendor/x/LICENSE": "MIT\n" }],
    ["dependency-updates", ".github/dependabot.yml", { "dependabot.yml": "version: 2\n" }],
  ] as const)("%s fails when only %s's stand-in elsewhere exists", async (id, drop, add) => {
    const dir = repo({ ...without(drop, add), ".readiness.yml": policy("readiness:baseline") });
    const r = await cli(["check", ...NOW, "--format", "json"], { cwd: dir });
    const check = JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === id);
    expect(check.status).toBe("fail");
  });

  it.each([
    ["codeowners", ".github/CODEOWNERS", "docs/CODEOWNERS"],
    ["codeowners", ".github/CODEOWNERS", "CODEOWNERS"],
    ["readme", "README.md", ".github/README.md"],
    ["readme", "README.md", "docs/README.md"],
    ["security-policy", "SECURITY.md", ".github/SECURITY.md"],
    ["security-policy", "SECURITY.md", "docs/SECURITY.md"],
  ] as const)("%s passes at %s's alternative %s", async (id, drop, alternative) => {
    const dir = repo({
      ...without(drop, { [alternative]: "x\n" }),
      ".readiness.yml": policy("readiness:baseline"),
    });
    const r = await cli(["check", ...NOW, "--format", "json"], { cwd: dir });
    expect(JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === id).status).toBe("pass");
    expect(r.code).toBe(0);
  });
});
