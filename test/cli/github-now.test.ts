// `readiness check --repo --now T` judges freshness at T: GitHub's freshness windows must be cut from T too,
// not from the machine's clock (found by test/differential).
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveGitRepo } from "../support/git-github.js";
import { GitHubStandIn } from "../support/github-stand-in.js";
import { cleanup, cli, git, tempDir, write } from "./helpers.js";

const gh = new GitHubStandIn({ appId: 1 });
beforeAll(async () => {
  await gh.start();
});
afterAll(async () => {
  await gh.stop();
  cleanup();
});

it("--repo with --now cuts freshness windows from --now, as a local run does", async () => {
  const dir = tempDir();
  git(dir, ["init", "-q", "-b", "main"]);
  write(dir, "docs/old.md", "old\n");
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", "old"], "2024-01-01T00:00:00Z");
  // Three files, so the provider settles them by window rather than one look-up each.
  for (const f of ["a", "b", "c"]) write(dir, `docs/${f}.md`, `${f}\n`);
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", "fresh"], "2025-05-29T00:00:00Z");
  const sha = git(dir, ["rev-parse", "HEAD"]).trim();
  serveGitRepo(gh, { owner: "octo", name: "now", dir, token: "ghs_now" });
  const policy = tempDir();
  write(
    policy,
    "p.yml",
    `version: 1
categories:
  docs: { title: Docs }
checks:
${["a", "b", "c"].map((f) => `  ${f}:\n    title: ${f}\n    category: docs\n    file: { path: docs/${f}.md, maxAgeDays: 7 }`).join("\n")}
`,
  );
  const args = ["--policy", `${policy}/p.yml`, "--now", "2025-06-01T00:00:00Z", "--format", "json"];
  const local = await cli(["check", dir, ...args], { cwd: policy });
  const remote = await cli(["check", "--repo", "octo/now", "--ref", sha, ...args], {
    cwd: policy,
    env: { GITHUB_API_URL: gh.baseUrl, GITHUB_TOKEN: "ghs_now" },
  });
  const statuses = (out: string) =>
    (JSON.parse(out) as { checks: { status: string }[] }).checks.map((c) => c.status);
  expect(statuses(local.stdout)).toEqual(["pass", "pass", "pass"]);
  expect(statuses(remote.stdout)).toEqual(["pass", "pass", "pass"]);
  expect(remote.code).toBe(0);
});
