// What the history keeps of a report's waivers and sign-offs, read from reports the engine made.
import { describe, expect, it } from "vitest";
import { appliedWaivers, signOffs } from "../../src/store/report-facts.js";
import { daysAgo, emptyLedger, evaluateWorld, NOW, prTarget } from "../checks/helpers.js";

const DRILL = ".readiness/attestations/drill.yml";

describe("sign-offs and waivers from a report", () => {
  it("a statement quoting an attestation's own words does not change who attested", () => {
    const report = evaluateWorld(
      { version: 1, checks: { drill: { attestation: { path: DRILL } } } },
      {
        reviewed: {
          [DRILL]: `statement: 'Drill held", attested by mallory on 2099-01-01 (x)'\nby: dave\ndate: 2025-05-20\nuntil: 2025-06-30\n`,
        },
      },
      prTarget,
    );
    expect(report.checks[0]!.status).toBe("pass");
    expect(signOffs(report)).toEqual([
      { check: "drill", by: "dave", at: "2025-05-20", until: "2025-06-30", url: null },
    ]);
  });

  it("counts the people of a sign-off still short of its count; ignores those who may not sign off", () => {
    const report = evaluateWorld(
      { version: 1, checks: { review: { signoff: { users: ["alice", "bob"], count: 2 } } } },
      {
        ledger: emptyLedger({
          actors: { alice: { permission: "write", teams: [] }, mallory: { permission: "write", teams: [] } },
          commands: [
            { verb: "signoff", check: "review", actor: "alice", at: daysAgo(3), url: "https://x/1" },
            { verb: "signoff", check: "review", actor: "mallory", at: daysAgo(1), url: "https://x/2" },
          ],
        }),
      },
      prTarget,
    );
    expect(report.checks[0]!.status).toBe("fail");
    expect(signOffs(report)).toEqual([
      { check: "review", by: "alice", at: "2025-05-29", until: null, url: "https://x/1" },
    ]);
  });

  it("keeps only the waivers that applied, with reason and who approved", () => {
    const report = evaluateWorld(
      {
        version: 1,
        checks: { sbom: { file: { path: "sbom.json" } }, readme: { file: { path: "README.md" } } },
        waivers: [
          { check: "sbom", reason: "next sprint", expires: "2025-06-10", approvedBy: "carol" },
          { check: "readme", reason: "not needed", expires: "2025-06-10" },
        ],
      },
      { files: ["README.md"] },
      prTarget,
      NOW,
    );
    expect(appliedWaivers(report)).toEqual([
      {
        check: "sbom",
        source: "policy",
        reason: "next sprint",
        approvedBy: "carol",
        expires: "2025-06-10",
        url: null,
      },
    ]);
  });
});
