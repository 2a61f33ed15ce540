import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { JsonReportSchema } from "../report/json-contract.js";
import { cleanup, cli, git, POLICY, README, repo, tempDir, write } from "./helpers.js";

afterAll(cleanup);

const ANSI = /\u001b\[/;
const FRESH = { "README.md": README, "docs/runbook.md": "# Runbook\n", ".readiness.yml": POLICY };

describe("readiness check", () => {
  it("exits 0 on GO and prints the text report", async () => {
    const dir = repo(FRESH, "2025-03-01T00:00:00Z");
    const r = await cli(["check", "--now", "2025-03-10"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("GO · 100.0/100 (needs 80)");
    expect(r.stdout).toContain("Documentation   ██████████  100.0  (w 2)");
    expect(r.stdout).toContain("✓ pass    README present [readme]  (required)");
    expect(r.stdout).not.toMatch(ANSI);
  });

  it("exits 1 on NO-GO, naming what blocks and its fix", async () => {
    const dir = repo({ "README.md": README, ".readiness.yml": POLICY });
    const r = await cli(["check", dir, "--now", "2025-01-02"], { cwd: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toMatch(/^NO-GO · \d+\.\d\/100 \(needs 80\) · 1 blocking$/);
    expect(r.stdout).toContain("Runbook fresh [runbook]  (required, BLOCKING)");
    expect(r.stdout).toContain("fix: Review docs/runbook.md");
  });

  it("measures ages from --now: the same commit is GO on one day and NO-GO a year later", async () => {
    const dir = repo(FRESH, "2025-01-01T00:00:00Z");
    const soon = await cli(["check", "--now", "2025-01-20T00:00:00Z", "--format", "json"], { cwd: dir });
    const late = await cli(["check", "--now", "2026-01-01", "--format", "json"], { cwd: dir });
    expect(soon.code).toBe(0);
    expect(late.code).toBe(1);
    expect(JSON.parse(soon.stdout).evaluatedAt).toBe("2025-01-20T00:00:00.000Z");
    expect(JSON.parse(late.stdout).blocking).toEqual(["runbook"]);
  });

  it("--format json parses and matches the documented contract", async () => {
    const dir = repo(FRESH, "2025-03-01T00:00:00Z");
    const r = await cli(["check", "--format", "json", "--now", "2025-03-02"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith("}\n")).toBe(true);
    const json = JSON.parse(r.stdout);
    expect(JsonReportSchema.parse(json)).toEqual(json);
    expect(json).toMatchObject({
      schemaVersion: 1,
      verdict: "go",
      score: 100,
      minScore: 80,
      incomplete: false,
      target: { context: "local", ref: "main", sha: git(dir, ["rev-parse", "HEAD"]).trim() },
      categories: [{ id: "docs", title: "Documentation", weight: 2, score: 100, checks: 2 }],
      blocking: [],
    });
    expect(json.checks.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ["readme", "pass"],
      ["runbook", "pass"],
    ]);
  });

  it("--format markdown gives the check-run summary", async () => {
    const dir = repo({ "README.md": README, ".readiness.yml": POLICY });
    const r = await cli(["check", "--format", "markdown", "--now", "2025-01-02"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toMatch(
      /^## ❌ Production readiness: NO-GO · \d+\.\d\/100 \(needs 80\)$/,
    );
    expect(r.stdout).toContain("**fix:** Review docs/runbook.md");
  });

  it("exits 3 when evidence is missing: the gate cannot tell", async () => {
    const policy = `version: 1
checks:
  readme: { file: { path: README.md } }
  ci: { title: CI green, required: true, workflow: { file: ci.yml } }
`;
    const dir = repo({ "README.md": README, ".readiness.yml": policy });
    const r = await cli(["check", "--now", "2025-01-02"], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout.split("\n")[0]).toMatch(/^NO-GO · .* · incomplete$/);
    expect(r.stdout).toContain("UNKNOWN CI green [ci]");
  });

  it("finds .github/readiness.yml, and takes --policy", async () => {
    const dir = repo({ "README.md": README, "docs/runbook.md": "x", ".github/readiness.yml": POLICY });
    expect((await cli(["check", "--now", "2025-01-02"], { cwd: dir })).code).toBe(0);
    write(dir, "other.yml", POLICY.replace("docs/runbook.md, maxAgeDays", "docs/missing.md, maxAgeDays"));
    const r = await cli(["check", dir, "--policy", join(dir, "other.yml"), "--now", "2025-01-02"], {
      cwd: tempDir(),
    });
    expect(r.code).toBe(1);
  });

  it("exits 2 with a clear message when there is no policy", async () => {
    const dir = repo({ "README.md": README });
    const r = await cli(["check"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "readiness: no policy found: looked for .readiness.yml or .github/readiness.yml. Run 'readiness init' to write one for this checkout, or pass --policy FILE.\n",
    );
    const missing = await cli(["check", "--policy", "nope.yml"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("readiness: policy file not found: nope.yml\n");
  });

  it("exits 2 on an invalid policy, printing file:line:column: message", async () => {
    const bad = `version: 1
checks:
  readme:
    required: yes please
    file: { path: README.md }
`;
    const dir = repo({ ".readiness.yml": bad });
    const r = await cli(["check"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^\.readiness\.yml:4:\d+: .+$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 on a bad --now, a bad --format, an unknown option, a missing directory", async () => {
    const dir = repo(FRESH);
    for (const argv of [
      ["check", "--now", "tomorrow"],
      ["check", "--format", "html"],
      ["check", "--verbose"],
      ["check", join(dir, "nowhere")],
      ["frobnicate"],
      [],
    ]) {
      const r = await cli(argv, { cwd: dir });
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^readiness: /);
    }
  });

  it("colours only a terminal, and never when NO_COLOR is set", async () => {
    const dir = repo(FRESH, "2025-03-01T00:00:00Z");
    const argv = ["check", "--now", "2025-03-02"];
    expect((await cli(argv, { cwd: dir, tty: true })).stdout).toMatch(ANSI);
    expect((await cli(argv, { cwd: dir, tty: true, env: { NO_COLOR: "1" } })).stdout).not.toMatch(ANSI);
    expect((await cli(argv, { cwd: dir, tty: false })).stdout).not.toMatch(ANSI);
  });

  it("GitHub mode needs --ref, and says when it has no token", async () => {
    const dir = repo(FRESH);
    const noRef = await cli(["check", "--repo", "acme/api"], { cwd: dir });
    expect(noRef.code).toBe(2);
    expect(noRef.stderr.split("\n")[0]).toBe("readiness: --repo and --ref go together");
    const noToken = await cli(["check", "--repo", "acme/api", "--ref", "main"], {
      cwd: dir,
      env: { GITHUB_API_URL: "http://127.0.0.1:9" },
    });
    expect(noToken.stderr.split("\n")[0]).toMatch(/^readiness: GITHUB_TOKEN is not set/);
  });

  it("GitHub mode that cannot reach GitHub exits 3 with one line, no stack trace", async () => {
    const dir = repo(FRESH);
    const r = await cli(["check", "--repo", "acme/api", "--ref", "main", "--now", "2025-01-02"], {
      cwd: dir,
      env: { GITHUB_TOKEN: "t", GITHUB_API_URL: "http://127.0.0.1:9" },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("run from a subdirectory (a new user's first try)", () => {
  it("check finds the repository's policy above, as git finds its root; init will not write a second one", async () => {
    const dir = repo({ ".readiness.yml": POLICY, "README.md": README, "docs/guide.md": "# Guide\n" });
    const sub = join(dir, "docs");
    const r = await cli(["check", "--format", "json", "--now", "2025-01-10"], { cwd: sub });
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout);
    expect(report.checks.find((c: { id: string }) => c.id === "readme").status).toBe("pass");
    const init = await cli(["init"], { cwd: sub });
    expect(init.code).toBe(2);
    expect(init.stderr).toContain(".. already holds this repository's policy");
    // An explicit DIR means that directory: no policy there is still an error naming init.
    const explicit = await cli(["check", "docs"], { cwd: dir });
    expect(explicit.code).toBe(2);
    expect(explicit.stderr).toContain("no policy found");
  });
});

describe("evidence that could not be had gets its own fix, not the policy's (a new user's shallow clone)", () => {
  it("a shallow clone: the runbook's age is unknown, and the fix is not the author's 'write the runbook'", async () => {
    const policy = `version: 1
checks:
  runbook:
    required: true
    fix: Write or review the runbook.
    file: { path: RUNBOOK.md, maxAgeDays: 30 }
`;
    const dir = repo({ ".readiness.yml": policy, "RUNBOOK.md": "# Runbook\n" }, "2024-06-01T00:00:00Z");
    write(dir, "README.md", "# x\n");
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "-q", "-m", "second"], "2025-01-05T00:00:00Z");
    const shallow = join(tempDir(), "clone");
    git(process.cwd(), ["clone", "-q", "--depth", "1", `file://${dir}`, shallow]);
    const r = await cli(["check", "--format", "json", "--now", "2025-01-10"], { cwd: shallow });
    const runbook = JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === "runbook");
    expect(runbook.status).toBe("unknown");
    expect(runbook.fix ?? "").not.toContain("Write or review the runbook");
  });
});

describe("readiness validate", () => {
  const waived = (expires: string) => `${POLICY}waivers:
  - check: runbook
    reason: The runbook is being rewritten this sprint
    expires: ${expires}
`;

  it("accepts a valid policy", async () => {
    const dir = repo({ ".readiness.yml": POLICY });
    const r = await cli(["validate"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(".readiness.yml: valid (2 checks, 1 category)\n");
  });

  it("warns about a waiver past its expiry, and fails on it with --strict", async () => {
    const dir = repo({ "policy.yml": waived("2025-01-31") });
    const ok = await cli(["validate", "policy.yml", "--now", "2025-01-15", "--strict"], { cwd: dir });
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    // A date passing breaks no policy: a CI validate step stays green, and says so.
    const expired = await cli(["validate", "policy.yml", "--now", "2025-02-15"], { cwd: dir });
    expect(expired.code).toBe(0);
    expect(expired.stderr).toMatch(
      /^policy\.yml:\d+:\d+: warning: waivers\[0\]\.expires: the waiver expired on 2025-01-31/m,
    );
    expect(expired.stdout).toBe("policy.yml: valid (2 checks, 1 category)\n");
    const strict = await cli(["validate", "policy.yml", "--now", "2025-02-15", "--strict"], { cwd: dir });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(
      /^policy\.yml:\d+:\d+: waivers\[0\]\.expires: the waiver expired on 2025-01-31/m,
    );
  });

  it("warns where a waiver in the file goes beyond what /readiness waive may (commands.waive)", async () => {
    const long = `${POLICY}waivers:
  - check: runbook
    reason: later
    expires: 2031-01-01
`;
    const dir = repo({ "policy.yml": long });
    const r = await cli(["validate", "policy.yml", "--now", "2025-01-15"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^policy\.yml:\d+:\d+: warning: waivers\[0\]\.expires: the waiver runs 2178 days from now, beyond the 30 days commands\.waive\.maxDays allows/m,
    );
    expect(r.stderr).toMatch(
      /^policy\.yml:\d+:\d+: warning: waivers\[0\]\.reason: the reason is 5 characters, shorter than the 10/m,
    );
  });

  it("reports every error as file:line:column and exits 2", async () => {
    const dir = repo({ ".readiness.yml": "version: 2\nchecks:\n  a: { file: { path: 3 } }\n" });
    const r = await cli(["validate"], { cwd: dir });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^\.readiness\.yml:\d+:\d+: /);
  });
});

describe("readiness validate: every error in one pass (issue 9, item 8)", () => {
  const BROKEN = `version: 1
extends: [readiness:baseline]
gate: { minScore: 200 }
categories:
  ops: { title: Ops, weight: 1 }
checks:
  runbook:
    category: opps
    file: { path: docs/runbook.md }
  nokind:
    category: ops
  ci:
  workflow: { file: build.yml }
waivers:
  - { check: runbok, reason: "the runbook moves next week", expires: 2030-12-31 }
`;

  it("reports schema, category, waiver and kind errors together, each located, with did-you-mean", async () => {
    const dir = repo({ ".readiness.yml": BROKEN });
    const r = await cli(["validate", "--now", "2026-01-01"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      ".readiness.yml:3:19: gate.minScore: must be between 0 and 100, got 200",
      '.readiness.yml:8:15: checks.runbook.category: unknown category "opps" (did you mean "ops"?); declare it under categories or leave category out for general',
      ".readiness.yml:10:3: checks.nokind: a check needs exactly one kind: one of file, workflow, status, artifact, release, branch, alerts, signoff, pr, attestation",
      '.readiness.yml:12:3: warning: checks.ci: empty, which removes the check "ci" of readiness:baseline; if its settings follow on the next lines, indent them under ci:, and if the removal is meant, write ci: null',
      '.readiness.yml:13:21: checks.workflow.file: expected a mapping, got "build.yml"',
      '.readiness.yml:15:14: waivers[0].check: no check "runbok" in this policy (did you mean "runbook"?)',
      "readiness: .readiness.yml is not a valid policy (5 errors)",
    ]);
  });

  it("warns when an empty check removes a preset check, and not when the removal is written out", async () => {
    const slip = repo({ ".readiness.yml": "version: 1\nextends: [readiness:baseline]\nchecks:\n  ci:\n" });
    const r = await cli(["validate"], { cwd: slip });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^\.readiness\.yml:4:3: warning: checks\.ci: empty, which removes the check "ci"/,
    );
    for (const written of ["null", "~", "false"]) {
      const meant = repo({
        ".readiness.yml": `version: 1\nextends: [readiness:baseline]\nchecks:\n  ci: ${written}\n`,
      });
      const ok = await cli(["validate"], { cwd: meant });
      expect(ok.code).toBe(0);
      expect(ok.stderr).toBe("");
    }
  });
});

describe("readiness schema, --help, --version", () => {
  it("schema prints a valid JSON Schema", async () => {
    const r = await cli(["schema"], { cwd: tempDir() });
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema).toHaveProperty("properties.checks");
    expect(schema).toHaveProperty("properties.version");
  });

  it("--help and --version print to stdout and exit 0", async () => {
    const help = await cli(["--help"], { cwd: tempDir() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("readiness check [DIR]");
    expect(help.stdout).toContain("Exit codes: 0 GO");
    const checkHelp = await cli(["check", "--help"], { cwd: tempDir() });
    expect(checkHelp.stdout).toContain("--policy FILE");
    const version = await cli(["--version"], { cwd: tempDir() });
    expect(version.code).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(version.stdout).toBe(`${pkg.version}\n`);
  });
});

describe("unexpected failures", () => {
  it("are one line, 'readiness: internal error: …', exit 3", async () => {
    const dir = repo(FRESH);
    const stderr: string[] = [];
    const code = await main(["check", "--now", "2025-01-02"], {
      stdout: {
        write() {
          throw new Error("disk on fire\n    at somewhere");
        },
      } as never,
      stderr: { write: (s: string) => stderr.push(s) } as never,
      env: {},
      cwd: dir,
    });
    expect(code).toBe(3);
    expect(stderr).toEqual(["readiness: internal error: disk on fire\n"]);
  });
});
