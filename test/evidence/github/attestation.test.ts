// Attestation files through the GitHub provider and the real engine: on a pull request only the base branch's
// copy is evidence (docs/security.md §4.4), so a pull request that adds or rewrites the file does not pass on
// it; a release reads the default branch. One contents request per file.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runEvaluation } from "../../../src/engine/run.js";
import { GitHubEvidence } from "../../../src/evidence/github/provider.js";
import type { Target } from "../../../src/evidence/types.js";
import { parsePolicy } from "../../../src/policy/load.js";
import { fakeGitHub } from "./fake-github.js";
import { blobSha, makeOctokit, OWNER, pullRequest, REPO, REPO_PATH, release, SHA, tree } from "./fixtures.js";

vi.mock("../../../src/evidence/github/ledger.js", () => ({
  fetchLedger: async () => ({ entries: [], actors: {}, pullRequests: [{ number: 42 }] }),
}));

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const FILE = ".readiness/attestations/incident-drill.yml";
const POLICY = `version: 1
checks:
  readme: { file: { path: README.md } }
  incident-drill:
    required: true
    attestation: { path: ${FILE}, by: [alice], maxAgeDays: 90 }
`;
const NOW = new Date("2026-11-22T00:00:00Z");
const FRESH = "statement: Incident drill held\nby: alice\ndate: 2026-11-01\n";
const STALE = "statement: Incident drill held\nby: alice\ndate: 2025-01-10\n";
const ENCODED = FILE.split("/").join("%2F");

/** The pull request's head always carries a fresh, well-formed attestation; `base` is main's copy. */
function serve(base: string | null) {
  const gh = fakeGitHub();
  gh.set(`${REPO_PATH}/git/trees/${SHA}?recursive=1`, tree({ "README.md": 200, [FILE]: FRESH.length }));
  gh.set(`${REPO_PATH}/git/blobs/${blobSha(FILE)}`, FRESH);
  gh.set(`${REPO_PATH}/contents/${ENCODED}?ref=${SHA}`, FRESH);
  gh.set(`${REPO_PATH}/contents/${ENCODED}?ref=feature`, FRESH);
  if (base !== null) {
    gh.set(`${REPO_PATH}/contents/${ENCODED}?ref=main`, base);
    gh.set(`${REPO_PATH}/contents/${ENCODED}`, base);
  }
  return gh;
}

async function evaluate(target: Target) {
  const parsed = parsePolicy(POLICY, ".readiness.yml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed));
  const provider = new GitHubEvidence({ octokit: makeOctokit(), owner: OWNER, repo: REPO, sha: SHA });
  const report = await runEvaluation({ policy: parsed.policy, provider, target, now: NOW });
  const drill = report.checks.find((c) => c.id === "incident-drill")!;
  return { report, drill };
}

const attestationRequests = (gh: ReturnType<typeof fakeGitHub>) =>
  gh.rec.requests.filter((r) => r.path.includes("incident-drill") || r.path.includes(ENCODED));

describe("attestation on GitHub", () => {
  it("a pull request that adds the attestation file does not pass on its own copy", async () => {
    const gh = serve(null);
    const { report, drill } = await evaluate(pullRequest);
    expect(drill.status).toBe("fail");
    expect(drill.summary).toBe(`no attestation: ${FILE} does not exist on main`);
    expect(report.verdict).toBe("no-go");
    gh.rec.assertAllKnown();
  });

  it("a pull request that rewrites a stale attestation is judged by main's copy: expired", async () => {
    serve(STALE);
    const { drill } = await evaluate(pullRequest);
    expect(drill.status).toBe("fail");
    expect(drill.summary).toContain("has expired");
    expect(drill.summary).toContain("2025-01-10");
  });

  it("control: main's fresh copy passes the pull request, in one request", async () => {
    const gh = serve(FRESH);
    const { report, drill } = await evaluate(pullRequest);
    expect(drill.status).toBe("pass");
    expect(drill.summary).toContain("read from main");
    expect(report.verdict).toBe("go");
    expect(attestationRequests(gh).map((r) => r.path)).toEqual([`${REPO_PATH}/contents/${ENCODED}?ref=main`]);
  });

  it("a release reads the default branch", async () => {
    serve(STALE);
    const { drill } = await evaluate(release);
    expect(drill.status).toBe("fail");
    expect(drill.summary).toContain("has expired");
  });

  it("a team in by: admits its members, read once from GitHub; a team GitHub will not list leaves it unknown", async () => {
    const TEAM_POLICY = POLICY.replace("by: [alice]", "by: [alice, acme/sre]");
    const byCarol = "statement: Incident drill held\nby: Carol\ndate: 2026-11-01\n";
    const run = async () => {
      const parsed = parsePolicy(TEAM_POLICY, ".readiness.yml");
      if (!parsed.ok) throw new Error(JSON.stringify(parsed));
      const provider = new GitHubEvidence({ octokit: makeOctokit(), owner: OWNER, repo: REPO, sha: SHA });
      const report = await runEvaluation({ policy: parsed.policy, provider, target: release, now: NOW });
      return report.checks.find((c) => c.id === "incident-drill")!;
    };
    const members = "/orgs/acme/teams/sre/members?per_page=100";
    const gh = serve(byCarol);
    gh.set(members, [{ login: "carol" }, { login: "dave" }]);
    const passed = await run();
    expect(passed.status).toBe("pass");
    expect(gh.rec.requests.filter((r) => r.path.startsWith("/orgs/")).map((r) => r.path)).toEqual([members]);
    gh.rec.assertAllKnown();

    nock.cleanAll();
    const outsider = serve(byCarol);
    outsider.set(members, [{ login: "dave" }]);
    const refused = await run();
    expect(refused.status).toBe("fail");
    expect(refused.summary).toContain("Carol may not attest this");

    nock.cleanAll();
    serve(byCarol); // no such team, or not visible to the App: 404
    const unsure = await run();
    expect(unsure.status).toBe("unknown");
    expect(unsure.summary).toContain("whether Carol belongs to acme/sre is not known");
    expect(unsure.summary).toContain("members of acme/sre: not found (404");
  });
});
