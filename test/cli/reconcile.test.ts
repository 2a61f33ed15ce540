// `readiness reconcile`: routed to the App's reconcile pass, which is imported only then. A local `check` must
// not load Probot (nor the App): the probot module is watched here, not replaced.
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseCommandLine } from "../../src/cli/args.js";
import { cleanup, cli, POLICY, README, repo, tempDir } from "./helpers.js";

const loaded = vi.hoisted(() => [] as string[]);
vi.mock("probot", async (importOriginal) => {
  loaded.push("probot");
  return importOriginal();
});

afterAll(cleanup);

describe("readiness reconcile", () => {
  it("a local check never loads Probot", async () => {
    const dir = repo({ "README.md": README, "docs/runbook.md": "# Runbook\n", ".readiness.yml": POLICY });
    const r = await cli(["check", "--now", "2025-01-05"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(loaded).toEqual([]);
  });

  it("is parsed as a command whose arguments the App's reconcile reads", () => {
    expect(parseCommandLine(["reconcile", "--repo", "octo/service", "--dry-run"])).toEqual({
      ok: true,
      command: { name: "reconcile", args: ["--repo", "octo/service", "--dry-run"] },
    });
    expect(parseCommandLine(["help", "reconcile"])).toEqual({
      ok: true,
      command: { name: "reconcile", args: ["--help"] },
    });
  });

  it("--help prints its usage and exits 0, loading the App only now", async () => {
    const r = await cli(["reconcile", "--help"], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Usage: readiness reconcile \[--repo OWNER\/NAME\] \[--installation ID\] \[--dry-run\]/,
    );
    expect(loaded).toEqual(["probot"]);
  });

  it("a usage or settings error exits 2 with one clear message", async () => {
    const bad = await cli(["reconcile", "--repo", "not-a-repo"], { cwd: tempDir() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^readiness reconcile: --repo needs OWNER\/NAME/);
    const unset = await cli(["reconcile"], { cwd: tempDir(), env: {} });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/^readiness reconcile: .*APP_ID is not set/);
  });

  it("the main help lists it", async () => {
    const help = await cli(["--help"], { cwd: tempDir() });
    expect(help.stdout).toContain("readiness reconcile [--repo OWNER/NAME] [--installation ID] [--dry-run]");
    expect(help.stdout).toMatch(/ {2}reconcile Re-evaluate, as the GitHub App, open release pull requests/);
  });
});
