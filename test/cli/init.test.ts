// `readiness init` on real git repositories in temp folders: what it detects, that the policy it writes
// validates strictly and gives a definite verdict on the first local run, and that it never overwrites.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cleanup, cli, README, repo, write } from "./helpers.js";

afterAll(cleanup);

const TESTS_WORKFLOW = `name: Tests
on: [push, pull_request]
jobs:
  test:
    name: Unit tests
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm test
`;
const LINT_WORKFLOW =
  "name: Lint\non:\n  pull_request:\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm run lint\n";
const RELEASE_WORKFLOW = `name: Release
on:
  release:
    types: [published]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: anchore/sbom-action@v0
      - run: npm publish
`;
const CODEQL =
  "name: CodeQL\non: [push, pull_request]\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: github/codeql-action/analyze@v3\n";

const policyOf = (dir: string) => readFileSync(join(dir, ".readiness.yml"), "utf8");

describe("readiness init", () => {
  it("detects what a library repository has and writes a policy naming its CI workflow and changelog", async () => {
    const dir = repo({
      "Readme.md": README,
      LICENSE: "MIT\n",
      "History.md": "# 1.0.0\n",
      ".github/CODEOWNERS": "* @acme/core\n",
      "vendor/lib/CODEOWNERS": "* @someone-else\n",
      ".github/dependabot.yml": "version: 2\n",
      ".github/workflows/test.yml": TESTS_WORKFLOW,
      ".github/workflows/lint.yml": LINT_WORKFLOW,
      ".github/workflows/codeql.yml": CODEQL,
      ".github/workflows/release.yml": RELEASE_WORKFLOW,
      "package.json": '{ "name": "lib" }\n',
      "package-lock.json": "{}\n",
      "docs/guide.md": "# Guide\n",
    });
    const r = await cli(["init"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const text = policyOf(dir);
    const policy = parse(text);
    // CI is test.yml here, not the preset's ci.yml; CodeQL and lint are not CI; release.yml publishes.
    expect(policy.extends).toEqual(["readiness:baseline", "readiness:supply-chain"]);
    expect(policy.checks.ci.workflow).toEqual({ file: "test.yml" });
    expect(policy.checks.ci.contexts).toEqual(["pull_request", "release", "deployment"]);
    expect(policy.checks.changelog.file).toEqual({ path: "History.md" });
    expect(policy.checks.lockfile.file).toEqual({ path: ["package-lock.json"] });
    expect(policy.checks.docs.file).toEqual({ path: "docs/**" });
    expect(text).toMatch(/^# .*readiness init/m);

    expect(r.stdout).toMatch(
      /^Wrote \.readiness\.yml: extends readiness:baseline, readiness:supply-chain; /m,
    );
    expect(r.stdout).toMatch(/✓ CI workflow: \.github\/workflows\/test\.yml \("Tests"\)/);
    expect(r.stdout).toMatch(/✓ release workflow: \.github\/workflows\/release\.yml \("Release"\)/);
    expect(r.stdout).toMatch(/✓ SBOM step in a workflow/);
    expect(r.stdout).toMatch(/✗ signing step in a workflow/);
    expect(r.stdout).toMatch(/✗ security policy: no SECURITY\.md/);
    expect(r.stdout).toMatch(
      /\? vendor\/lib\/CODEOWNERS: CODEOWNERS outside \.github\/, the root and docs\/ is ignored/,
    );
    expect(r.stdout).toMatch(/\? also run on changes: lint\.yml/);
    // Only the security policy is missing among the local file checks: GO above 80.
    expect(r.stdout).toMatch(/^First local run: GO · \d+\.\d\/100 \(needs 80\)/m);

    const valid = await cli(["validate", "--strict"], { cwd: dir });
    expect([valid.code, valid.stderr]).toEqual([0, ""]);
    const check = await cli(["check", "--format", "json"], { cwd: dir });
    const report = JSON.parse(check.stdout);
    expect(report.conclusive).toBe(true);
    expect(report.verdict).toBe("go");
    expect(check.code).toBe(0);
    const status = Object.fromEntries(
      report.checks.map((c: { id: string; status: string }) => [c.id, c.status]),
    );
    expect(status).toMatchObject({
      readme: "pass",
      changelog: "pass",
      codeowners: "pass",
      "security-policy": "fail",
      ci: "skipped",
      sbom: "skipped",
      lockfile: "pass",
    });
  });

  it("on a bare repository: no CI to name, a definite NO-GO that lists what is missing", async () => {
    const dir = repo({ "README.md": README, "main.go": "package main\n", "go.mod": "module x\n" });
    const r = await cli(["init"], { cwd: dir });
    expect(r.code).toBe(0);
    const policy = parse(policyOf(dir));
    expect(policy.extends).toEqual(["readiness:baseline"]);
    expect(policy.checks.ci).toBeNull();
    expect(r.stdout).toMatch(/✗ CI workflow: none runs on push or pull_request/);
    expect(r.stdout).toMatch(/\? go\.mod has no lockfile beside it/);
    expect(r.stdout).toMatch(/^First local run: NO-GO · /m);
    const check = await cli(["check"], { cwd: dir });
    expect(check.code).toBe(1);
  });

  it("picks readiness:service for a repository that deploys, and finds CODEOWNERS only where GitHub reads it", async () => {
    const dir = repo({
      "README.md": README,
      "docs/CODEOWNERS": "* @acme/ops\n",
      Dockerfile: "FROM node:20\n",
      "deploy/helm/Chart.yaml": "name: api\n",
      ".github/workflows/ci.yml": TESTS_WORKFLOW,
    });
    const r = await cli(["init"], { cwd: dir });
    expect(r.code).toBe(0);
    const policy = parse(policyOf(dir));
    expect(policy.extends).toEqual(["readiness:service"]);
    // ci.yml is what the preset already looks for: no override.
    expect(policy.checks.ci).toBeUndefined();
    expect(policy.checks.container.file).toEqual({ path: "Dockerfile" });
    expect(r.stdout).toMatch(/✓ code owners: docs\/CODEOWNERS/);
    const check = await cli(["check", "--format", "json"], { cwd: dir });
    expect(JSON.parse(check.stdout).conclusive).toBe(true);
    expect([0, 1]).toContain(check.code);
  });

  it("never replaces a policy without --force, and takes a directory", async () => {
    const dir = repo({ "README.md": README, ".readiness.yml": "version: 1\n" });
    const r = await cli(["init"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "readiness: .readiness.yml already exists in .: not replaced (--force replaces it)\n",
    );
    expect(policyOf(dir)).toBe("version: 1\n");

    const nested = repo({ "README.md": README, ".github/readiness.yml": "version: 1\n" });
    const refused = await cli(["init"], { cwd: nested });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\.github\/readiness\.yml already exists/);

    const forced = await cli(["init", "--force"], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(policyOf(dir)).toMatch(/extends: \[readiness:baseline\]/);

    const outer = repo({ "README.md": README });
    write(outer, "svc/README.md", README);
    const inDir = await cli(["init", "svc"], { cwd: outer });
    expect(inDir.code).toBe(0);
    expect(inDir.stdout).toMatch(/^Wrote svc\/\.readiness\.yml/);
    expect(readFileSync(join(outer, "svc/.readiness.yml"), "utf8")).toMatch(/^version: 1$/m);
  });
});
