import { describe, expect, it } from "vitest";
import { signoffKind } from "../../src/checks/signoff.js";
import { ledgerNeed } from "../../src/engine/evaluate.js";
import type { LedgerCommand } from "../../src/evidence/types.js";
import { policySchema } from "../../src/policy/schema.js";
import { check, daysAgo, emptyLedger, evaluateWorld, localTarget, prTarget } from "./helpers.js";

const signoff = (actor: string, days: number, over: Partial<LedgerCommand> = {}): LedgerCommand => ({
  verb: "signoff",
  check: "release-ok",
  actor,
  at: daysAgo(days),
  url: `https://github.com/acme/shop/pull/42#issuecomment-${actor}`,
  ...over,
});
const actors = {
  alice: { permission: "write", teams: [] },
  bob: { permission: "write", teams: ["acme/sre"] },
  carol: { permission: "write", teams: ["acme/sre"] },
  mallory: { permission: "write", teams: ["acme/web"] },
};
const world = (commands: LedgerCommand[], over = {}) => ({
  ledger: emptyLedger({ commands, actors, ...over }),
});
const opts = { checkId: "release-ok" };
const params = { users: ["alice"], teams: ["acme/sre"] };

describe("signoff", () => {
  it("declares no need of its own: the engine collects one ledger for the policy", () => {
    expect(check(signoffKind, params, world([]), opts).asked).toEqual([]);
  });

  it("cannot be known in a local checkout", () => {
    const r = check(signoffKind, params, {}, { ...opts, target: localTarget });
    expect(r.status).toBe("unknown");
    expect(r.summary).toBe("sign-offs are recorded in pull request comments; only GitHub has them");
  });

  it("fails with who may sign off and the command to use", () => {
    const r = check(signoffKind, params, world([]), opts);
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("no sign-off yet; alice or members of acme/sre may sign off");
    expect(r.fix).toBe(
      "Ask alice or members of acme/sre to comment `/readiness signoff release-ok` on the pull request",
    );
  });

  it("passes on a listed user, naming who and when, linking the comment", () => {
    const r = check(signoffKind, params, world([signoff("alice", 2)]), opts);
    expect(r.status).toBe("pass");
    expect(r.summary).toBe("signed off by alice (2 days ago)");
    expect(r.evidence?.[0]?.url).toContain("issuecomment-alice");
  });

  it("passes on a member of a listed team; logins compare case-insensitively", () => {
    expect(check(signoffKind, params, world([signoff("bob", 0)]), opts).summary).toBe(
      "signed off by bob (today)",
    );
    expect(check(signoffKind, { users: ["Alice"] }, world([signoff("alice", 1)]), opts).status).toBe("pass");
  });

  it("ignores people not allowed, edited comments and other checks, saying why", () => {
    const r = check(
      signoffKind,
      params,
      world([
        signoff("mallory", 1),
        signoff("alice", 1, { edited: true }),
        signoff("bob", 1, { check: "other" }),
      ]),
      opts,
    );
    expect(r.status).toBe("fail");
    expect(r.details).toEqual([
      "mallory may not sign off this check",
      "alice's sign-off is ignored: its comment was edited or deleted after it was given",
    ]);
  });

  it("counts distinct people, with partial credit", () => {
    const twice = check(
      signoffKind,
      { ...params, count: 2 },
      world([signoff("alice", 3), signoff("alice", 1)]),
      opts,
    );
    expect(twice.status).toBe("fail");
    expect(twice.credit).toBe(0.5);
    expect(twice.summary).toBe(
      "1 of 2 sign-offs: alice (yesterday); more may come from alice or members of acme/sre",
    );
    const two = check(
      signoffKind,
      { ...params, count: 2 },
      world([signoff("alice", 3), signoff("carol", 1)]),
      opts,
    );
    expect(two.status).toBe("pass");
    expect(two.summary).toBe("signed off by carol (yesterday) and alice (3 days ago)");
  });

  it("maxAgeDays: a sign-off counts up to the limit and not past it", () => {
    expect(check(signoffKind, { ...params, maxAgeDays: 7 }, world([signoff("alice", 7)]), opts).status).toBe(
      "pass",
    );
    const old = check(signoffKind, { ...params, maxAgeDays: 7 }, world([signoff("alice", 7.01)]), opts);
    expect(old.status).toBe("fail");
    expect(old.details).toEqual(["alice's sign-off is too old: more than 7 days ago (limit 7)"]);
  });

  it("resetOnPush: a sign-off counts only for the head commit it was given on", () => {
    const p = { ...params, resetOnPush: true };
    const head = "b".repeat(40);
    const older = "c".repeat(40);
    const prs = { pullRequests: [{ number: 42, headSha: head }] };
    // Given on an older commit (the head was later force-pushed away from it, or back to an older one).
    const moved = check(signoffKind, p, world([signoff("alice", 0.5, { headSha: older })], prs), opts);
    expect(moved.status).toBe("fail");
    expect(moved.details).toEqual([
      "alice signed off commit ccccccc, not the pull request's head bbbbbbb (resetOnPush)",
    ]);
    // However long ago it was given: times are not what binds it.
    expect(check(signoffKind, p, world([signoff("alice", 3, { headSha: head })], prs), opts).status).toBe(
      "pass",
    );
    // A sign-off with no commit recorded cannot be held against resetOnPush.
    const bare = check(signoffKind, p, world([signoff("alice", 0.5)], prs), opts);
    expect(bare.status).toBe("fail");
    expect(bare.details).toEqual([
      "alice's sign-off names no commit, so it cannot be held against resetOnPush",
    ]);
    // Without resetOnPush the commit does not matter.
    expect(
      check(signoffKind, params, world([signoff("alice", 0.5, { headSha: older })], prs), opts).status,
    ).toBe("pass");
  });

  it("propagates an unreadable ledger as unknown", () => {
    const r = check(signoffKind, params, { unknown: { ledger: "comments could not be listed" } }, opts);
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("comments could not be listed");
  });
});

describe("signoff through the engine", () => {
  const policy = {
    version: 1 as const,
    checks: { "release-ok": { signoff: { teams: ["acme/sre"] } } },
  };

  it("the engine's ledger need names the teams and the check reads that ledger", () => {
    expect(ledgerNeed(policySchema().parse(policy)).teams).toEqual(["acme/sre"]);
    const report = evaluateWorld(policy, world([signoff("bob", 1)]), prTarget);
    expect(report.checks[0]?.status).toBe("pass");
    expect(report.checks[0]?.summary).toBe("signed off by bob (yesterday)");
  });

  it("is unknown in a local checkout", () => {
    const report = evaluateWorld(policy, {}, localTarget);
    expect(report.checks[0]?.status).toBe("unknown");
    expect(report.verdict).toBe("no-go");
  });
});
