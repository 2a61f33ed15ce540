import { describe, expect, it, vi } from "vitest";
import type { CheckKind } from "../../src/checks/types.js";
import { waiversFromLedger } from "../../src/commands/ledger.js";
import { evaluatePolicy, ledgerNeed } from "../../src/engine/evaluate.js";
import type { Report } from "../../src/engine/types.js";
import {
  type ActorFacts,
  Facts,
  known,
  type LedgerCommand,
  type LedgerPullRequest,
  type LedgerView,
  needKey,
  type Target,
} from "../../src/evidence/types.js";
import { type Policy, type PolicyInput, policySchema } from "../../src/policy/schema.js";
import { ledgerFrom } from "../support/ledger.js";

// `file` checks fail here whatever the evidence (a check id starting with "ok-" passes), so these tests do not
// depend on how the file kind reads its evidence; every other kind (signoff included) is the real one.
vi.mock("../../src/checks/registry.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/checks/registry.js")>();
  const file: CheckKind<unknown> = {
    ...real.kindOf("file"),
    needs: () => [],
    evaluate: (_p, { checkId }) =>
      checkId.startsWith("ok-")
        ? { status: "pass", credit: 1, summary: "present" }
        : { status: "fail", credit: 0, summary: "missing" },
  };
  return {
    ...real,
    kindOf: (name: Parameters<typeof real.kindOf>[0]) => (name === "file" ? file : real.kindOf(name)),
  };
});

const PR_AUTHOR = "pr-author";
const prTarget: Target = {
  context: "pull_request",
  repository: { owner: "acme", name: "shop" },
  sha: "a".repeat(40),
  pullRequest: {
    number: 7,
    baseRef: "release/1.2",
    headRef: "rc",
    headSha: "a".repeat(40),
    labels: [],
    author: PR_AUTHOR,
  },
};
const releaseTarget: Target = {
  context: "release",
  repository: { owner: "acme", name: "shop" },
  sha: "a".repeat(40),
  release: { tag: "v1.2.0" },
};

function policy(over: Partial<PolicyInput> = {}, checks: Record<string, unknown> = {}): Policy {
  return policySchema().parse({
    version: 1,
    gate: { minScore: 0 },
    checks: {
      deps: { required: true, file: { path: "deps.lock" } },
      runbook: { file: { path: "docs/runbook.md" } },
      "ok-license": { file: { path: "LICENSE" } },
      locked: { waivable: false, required: true, file: { path: "SECURITY.md" } },
      ...checks,
    },
    ...over,
  });
}

const ACTORS: Record<string, ActorFacts> = {
  maintainer: { permission: "maintain", teams: [] },
  admin: { permission: "admin", teams: [] },
  writer: { permission: "write", teams: [] },
  outsider: { permission: "none", teams: [] },
  [PR_AUTHOR]: { permission: "maintain", teams: [] },
  "dependabot[bot]": { permission: "write", teams: [], bot: true },
  "sec-lead": { permission: "read", teams: [] },
};

let seq = 0;
function waive(check: string, actor: string, at: string, until: string, over: Partial<LedgerCommand> = {}) {
  seq++;
  return {
    verb: "waive" as const,
    check,
    actor,
    at,
    until,
    reason: "vendor fix lands next sprint",
    url: `https://github.com/acme/shop/pull/7#issuecomment-${seq}`,
    ...over,
  };
}
const unwaive = (check: string, actor: string, at: string, over: Partial<LedgerCommand> = {}) => ({
  verb: "unwaive" as const,
  check,
  actor,
  at,
  ...over,
});

function ledger(commands: LedgerCommand[], over: Partial<LedgerView> = {}): LedgerView {
  return { commands, actors: ACTORS, ...over };
}

/** The ledger the reader would return had the App recorded these commands on PR 7. */
function evaluate(
  p: Policy,
  l: LedgerView,
  now: Date,
  target: Target = prTarget,
  prs: LedgerPullRequest[] = [{ number: 7, author: PR_AUTHOR, headSha: "a".repeat(40) }],
): Report {
  const read = ledgerFrom({ ...l, pullRequests: prs });
  const facts = new Facts(new Map([[needKey(ledgerNeed(p)), known(read)]]));
  return evaluatePolicy(p, facts, { target, now });
}

const NOW = new Date("2026-06-20T12:00:00Z");

describe("waiversFromLedger", () => {
  it("turns an authorised waiver into a comment waiver with its author, reason, expiry and link", () => {
    const l = ledger([waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01")]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW)).toEqual([
      {
        check: "deps",
        source: "comment",
        reason: "vendor fix lands next sprint",
        expires: "2026-07-01",
        approvedBy: "maintainer",
        url: `https://github.com/acme/shop/pull/7#issuecomment-${seq}`,
        state: "applied",
      },
    ]);
  });

  it("the latest command for a check wins, whatever order the ledger lists them in", () => {
    const l = ledger([
      waive("deps", "admin", "2026-06-16T10:00:00Z", "2026-06-25"),
      waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-10"),
    ]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW).map((w) => [w.approvedBy, w.expires])).toEqual([
      ["admin", "2026-06-25"],
    ]);
  });

  it("unwaive removes, a later waive brings it back", () => {
    const first = waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01");
    const removed = ledger([first, unwaive("deps", "admin", "2026-06-16T10:00:00Z")]);
    expect(waiversFromLedger(removed, policy(), prTarget, NOW)).toEqual([]);
    const again = ledger([
      ...removed.commands,
      waive("deps", "maintainer", "2026-06-17T10:00:00Z", "2026-07-02"),
    ]);
    expect(waiversFromLedger(again, policy(), prTarget, NOW).map((w) => w.expires)).toEqual(["2026-07-02"]);
  });

  it("keeps one waiver per check", () => {
    const l = ledger([
      waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01"),
      waive("runbook", "maintainer", "2026-06-15T11:00:00Z", "2026-07-01"),
      unwaive("runbook", "maintainer", "2026-06-15T12:00:00Z"),
    ]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW).map((w) => w.check)).toEqual(["deps"]);
  });

  it("ignores the waivers of people without the right now; a recorded unwaive holds whoever gave it", () => {
    const l = ledger([
      waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01"),
      waive("runbook", "writer", "2026-06-16T10:00:00Z", "2026-07-01"),
    ]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW).map((w) => w.check)).toEqual(["deps"]);
    // The App recorded the unwaive when its giver had the right; losing it since does not revive the waiver.
    const revoked = ledger([...l.commands, unwaive("deps", "outsider", "2026-06-16T10:00:00Z")]);
    expect(waiversFromLedger(revoked, policy(), prTarget, NOW)).toEqual([]);
  });

  it("an edited or deleted comment voids its waiver, never its unwaive", () => {
    const l = ledger([
      waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01"),
      unwaive("deps", "maintainer", "2026-06-16T10:00:00Z", { edited: true }),
      waive("runbook", "maintainer", "2026-06-16T10:00:00Z", "2026-07-01", { edited: true }),
      waive("ok-license", "maintainer", "2026-06-16T10:00:00Z", "2026-07-01"),
    ]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW).map((w) => w.check)).toEqual(["ok-license"]);
  });

  it("ignores bots, even with write permission", () => {
    const l = ledger([waive("deps", "dependabot[bot]", "2026-06-15T10:00:00Z", "2026-07-01")]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW)).toEqual([]);
  });

  it("judges people as they are at evaluation time: a waiver by someone who lost the right stops counting", () => {
    const l = ledger([waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01")]);
    const demoted = { ...l, actors: { ...ACTORS, maintainer: { permission: "write", teams: [] } } };
    expect(waiversFromLedger(demoted, policy(), prTarget, NOW)).toEqual([]);
    const unknownActor = { ...l, actors: {} };
    expect(waiversFromLedger(unknownActor, policy(), prTarget, NOW)).toEqual([]);
  });

  it("judges dates against the day the command was given, so the engine can report it expired later", () => {
    const l = ledger([waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-15")]);
    // 30 days after the posting day: allowed then, and still listed long after it expired.
    expect(waiversFromLedger(l, policy(), prTarget, new Date("2026-09-01T00:00:00Z"))).toHaveLength(1);
    const tooFar = ledger([waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-16")]);
    expect(waiversFromLedger(tooFar, policy(), prTarget, NOW)).toEqual([]);
    const past = ledger([waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-06-14")]);
    expect(waiversFromLedger(past, policy(), prTarget, NOW)).toEqual([]);
  });

  it("leaves out commands given after `now` and commands without a valid time", () => {
    const l = ledger([
      waive("deps", "maintainer", "2026-06-21T10:00:00Z", "2026-07-01"),
      waive("runbook", "maintainer", "not a date", "2026-07-01"),
    ]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW)).toEqual([]);
  });

  it("ignores sign-offs and waivers of unknown checks", () => {
    const l = ledger([
      { verb: "signoff", check: "deps", actor: "maintainer", at: "2026-06-15T10:00:00Z" },
      waive("nope", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01"),
    ]);
    expect(waiversFromLedger(l, policy(), prTarget, NOW)).toEqual([]);
  });

  describe("self-waive", () => {
    const strict = policy({ commands: { waive: { allowSelfWaive: false } } });

    it("drops the PR author's own waiver when allowSelfWaive is false", () => {
      const l = ledger([
        waive("deps", PR_AUTHOR, "2026-06-15T10:00:00Z", "2026-07-01"),
        waive("runbook", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01"),
      ]);
      expect(waiversFromLedger(l, strict, prTarget, NOW).map((w) => w.check)).toEqual(["runbook"]);
      expect(waiversFromLedger(l, policy(), prTarget, NOW).map((w) => w.check)).toEqual(["deps", "runbook"]);
    });

    it("for a release, uses the author of the PR each command was posted on", () => {
      const l = ledger([
        waive("deps", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01", {
          pullRequest: 7,
          prAuthor: "maintainer",
        }),
        waive("runbook", "maintainer", "2026-06-15T10:00:00Z", "2026-07-01", {
          pullRequest: 8,
          prAuthor: "admin",
        }),
        // Without a recorded author there is no telling: refused.
        waive("ok-license", "admin", "2026-06-15T10:00:00Z", "2026-07-01"),
      ]);
      expect(waiversFromLedger(l, strict, releaseTarget, NOW).map((w) => w.check)).toEqual(["runbook"]);
    });
  });
});

describe("comment waivers through the engine", () => {
  const posted = "2026-12-10T09:00:00Z";
  const l = ledger([waive("deps", "maintainer", posted, "2026-12-31")]);
  const p = policy({}, {});
  const dep = (r: Report) => r.checks.find((c) => c.id === "deps")!;

  it("holds through 2026-12-31T23:59:59.999Z and not one millisecond later", () => {
    const last = evaluate(p, l, new Date("2026-12-31T23:59:59.999Z"));
    expect(dep(last).status).toBe("waived");
    expect(dep(last).waiver).toMatchObject({ source: "comment", state: "applied", approvedBy: "maintainer" });
    expect(last.blocking).not.toContain("deps");

    const after = evaluate(p, l, new Date("2027-01-01T00:00:00.000Z"));
    expect(dep(after).status).toBe("fail");
    expect(dep(after).waiver).toMatchObject({ state: "expired", expires: "2026-12-31" });
    expect(after.blocking).toContain("deps");
    expect(after.notes).toContain("The waiver for deps expired on 2026-12-31 and no longer applies.");
  });

  it("an outsider's waiver changes nothing", () => {
    const r = evaluate(
      p,
      ledger([waive("deps", "outsider", posted, "2026-12-31")]),
      new Date("2026-12-15T00:00:00Z"),
    );
    expect(dep(r).status).toBe("fail");
    expect(r.waivers).toEqual([]);
    expect(r.verdict).toBe("no-go");
  });

  it("a check with `waivable: false` stays failing; an authorised waiver on it is reported as refused", () => {
    const r = evaluate(
      p,
      ledger([
        waive("locked", "maintainer", posted, "2026-12-31"),
        waive("locked", "outsider", "2026-12-11T00:00:00Z", "2026-12-31"),
      ]),
      new Date("2026-12-15T00:00:00Z"),
    );
    const locked = r.checks.find((c) => c.id === "locked")!;
    expect(locked.status).toBe("fail");
    expect(locked.waiver).toMatchObject({ state: "refused", approvedBy: "maintainer" });
    expect(r.waivers).toHaveLength(1);
    expect(r.notes).toContain("The waiver for locked is ignored: the check is not waivable.");
    expect(r.blocking).toContain("locked");
  });

  it("policy waivers and comment waivers both apply, each with its source", () => {
    const withPolicyWaiver = policy({
      waivers: [{ check: "runbook", reason: "runbook is being rewritten", expires: "2026-12-31" }],
    });
    const r = evaluate(withPolicyWaiver, l, new Date("2026-12-15T00:00:00Z"));
    expect(r.waivers.map((w) => [w.check, w.source, w.state])).toEqual([
      ["runbook", "policy", "applied"],
      ["deps", "comment", "applied"],
    ]);
  });

  it("a local checkout has no comment waivers", () => {
    const r = evaluate(p, l, new Date("2026-12-15T00:00:00Z"), { context: "local" });
    expect(r.waivers).toEqual([]);
  });
});

describe("sign-offs through the signoff check kind", () => {
  const p = policy(
    {},
    {
      "sec-review": { required: true, signoff: { users: ["sec-lead"], resetOnPush: true } },
      restore: { signoff: { users: ["sec-lead"], maxAgeDays: 7 } },
    },
  );
  const signoff = (check: string, at: string, actor = "sec-lead") => ({
    verb: "signoff" as const,
    check,
    actor,
    at,
  });
  const status = (r: Report, id: string) => r.checks.find((c) => c.id === id)!.status;
  const now = new Date("2026-06-20T12:00:00Z");

  it("a sign-off counts only while the pull request's head is the commit it was given on (resetOnPush)", () => {
    const given = { ...signoff("sec-review", "2026-06-18T10:00:00Z"), headSha: "b".repeat(40) };
    const on = (headSha: string) => [{ number: 7, author: PR_AUTHOR, headSha }];
    expect(status(evaluate(p, ledger([given]), now, prTarget, on("b".repeat(40))), "sec-review")).toBe(
      "pass",
    );
    expect(status(evaluate(p, ledger([given]), now, prTarget, on("c".repeat(40))), "sec-review")).toBe(
      "fail",
    );
  });

  it("counts for maxAgeDays, then has to be given again", () => {
    const six = ledger([signoff("restore", "2026-06-14T12:00:00Z")]);
    const eight = ledger([signoff("restore", "2026-06-12T12:00:00Z")]);
    expect(status(evaluate(p, six, now), "restore")).toBe("pass");
    expect(status(evaluate(p, eight, now), "restore")).toBe("fail");
  });

  it("only the listed people count", () => {
    expect(
      status(evaluate(p, ledger([signoff("restore", "2026-06-19T12:00:00Z", "admin")]), now), "restore"),
    ).toBe("fail");
  });
});
