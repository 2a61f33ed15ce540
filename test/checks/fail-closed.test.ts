import { describe, expect, it } from "vitest";
import { type KindName, kindNames, kindOf } from "../../src/checks/registry.js";
import { Facts } from "../../src/evidence/types.js";
import { NOW, prTarget } from "./helpers.js";

// One valid parameter set per kind: with no evidence at all, every kind must say "unknown", never pass or fail.
const samples: Record<KindName, unknown> = {
  file: { path: "docs/runbook.md", contains: "Rollback", maxAgeDays: 30 },
  workflow: { name: "CI", jobs: ["build"] },
  status: { name: "buildkite/shop" },
  artifact: { workflow: "load.yml", name: "k6-summary", json: { file: "s.json", path: "p95", below: 250 } },
  release: { assets: "*.sig" },
  branch: { minReviews: 1 },
  alerts: {},
  signoff: { users: ["alice"] },
  pr: { labels: ["release"] },
  attestation: { path: ".readiness/attestations/incident-drill.yml" },
};

describe("every kind fails closed", () => {
  for (const name of kindNames) {
    it(`${name}: no evidence collected → unknown, credit 0`, () => {
      const kind = kindOf(name);
      const r = kind.evaluate(kind.schema.parse(samples[name]), {
        checkId: "x",
        target: prTarget,
        facts: new Facts(),
        now: NOW,
      });
      expect(r.status).toBe("unknown");
      expect(r.credit).toBe(0);
      expect(r.summary.length).toBeGreaterThan(10);
    });
  }
});
