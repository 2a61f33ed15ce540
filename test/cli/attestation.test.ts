// An attestation recorded as a reviewed file, through the CLI on a real git repository: the local dry run
// sees what a person attested (issue 9), with the verdict and the exit code a script reads.
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, cli, git, repo, write } from "./helpers.js";

afterAll(cleanup);

const POLICY = `version: 1
checks:
  incident-drill:
    required: true
    attestation:
      path: .readiness/attestations/incident-drill.yml
      by: [alice, bob]
      maxAgeDays: 90
`;

async function drill(dir: string) {
  const r = await cli(["check", "--now", "2025-06-01T12:00:00Z", "--format", "json"], { cwd: dir });
  const report = JSON.parse(r.stdout);
  const c = (report.checks as { id: string; status: string; summary: string }[]).find(
    (x) => x.id === "incident-drill",
  );
  return { code: r.code, verdict: report.verdict as string, check: c! };
}

describe("readiness check: attestation files", () => {
  it("GO with a committed, fresh attestation by an allowed person; NO-GO once it is old or by someone else", async () => {
    const dir = repo({
      ".readiness.yml": POLICY,
      ".readiness/attestations/incident-drill.yml":
        "statement: Incident drill held (payments failover)\nby: alice\ndate: 2025-05-02\n",
    });
    const ok = await drill(dir);
    expect(ok.check.status).toBe("pass");
    expect(ok.check.summary).toContain(
      '"Incident drill held (payments failover)", attested by alice on 2025-05-02',
    );
    expect(ok.code).toBe(0);

    write(
      dir,
      ".readiness/attestations/incident-drill.yml",
      "statement: Incident drill held\nby: alice\ndate: 2025-01-02\n",
    );
    git(dir, ["commit", "-qam", "old drill"]);
    const old = await drill(dir);
    expect(old.check.status).toBe("fail");
    expect(old.check.summary).toContain("has expired");
    expect(old.code).toBe(1);

    write(
      dir,
      ".readiness/attestations/incident-drill.yml",
      "statement: Incident drill held\nby: mallory\ndate: 2025-05-30\n",
    );
    const other = await drill(dir);
    expect(other.check.summary).toContain("mallory may not attest this");
    expect(other.code).toBe(1);
  });

  it("a malformed file is a failure located as file:line:column; no file is a failure that says where to record it", async () => {
    const dir = repo({
      ".readiness.yml": POLICY,
      ".readiness/attestations/incident-drill.yml":
        "statement: Incident drill held\nby: alice\nwhen: 2025-05-02\n",
    });
    const bad = await drill(dir);
    expect(bad.check.status).toBe("fail");
    expect(bad.check.summary).toContain(".readiness/attestations/incident-drill.yml:3:1: when: unknown key");
    expect(bad.code).toBe(1);

    git(dir, ["rm", "-q", ".readiness/attestations/incident-drill.yml"]);
    const none = await drill(dir);
    expect(none.check.summary).toBe(
      "no attestation: .readiness/attestations/incident-drill.yml does not exist in the checkout",
    );
  });
});
