import { describe, expect, it } from "vitest";
import { hasRole, roleRank } from "../../src/commands/authorize.js";
import { type DecideContext, decideCommand } from "../../src/commands/decide.js";
import { parseCommands } from "../../src/commands/parse.js";
import type { ActorFacts } from "../../src/evidence/types.js";
import { type Policy, type PolicyInput, policySchema } from "../../src/policy/schema.js";

const POSTED = new Date("2026-06-15T12:00:00Z");

function policy(commands: PolicyInput["commands"] = {}, extraChecks: Record<string, unknown> = {}): Policy {
  return policySchema().parse({
    version: 1,
    checks: {
      deps: { file: { path: "deps.lock" } },
      runbook: { file: { path: "docs/runbook.md" } },
      locked: { waivable: false, file: { path: "SECURITY.md" } },
      "sec-review": { signoff: { users: ["sec-lead"], teams: ["acme/security"] } },
      ...extraChecks,
    },
    commands,
  });
}

const PEOPLE: Record<string, ActorFacts> = {
  admin: { permission: "admin", teams: [] },
  maintainer: { permission: "maintain", teams: [] },
  writer: { permission: "write", teams: [] },
  triager: { permission: "triage", teams: [] },
  reader: { permission: "read", teams: [] },
  outsider: { permission: "none", teams: [] },
  "rm-member": { permission: "read", teams: ["acme/release-managers"] },
  "rm-outsider": { permission: "none", teams: ["acme/release-managers"] },
  "other-team": { permission: "read", teams: ["acme/frontend"] },
  "sec-member": { permission: "write", teams: ["acme/security"] },
  "sec-lead": { permission: "read", teams: [] },
};
const EVERYONE = Object.keys(PEOPLE).sort();

const COMMANDS = {
  waive: "/readiness waive deps for 14d vendor fix lands next sprint",
  "waive-until": "/readiness waive deps until 2026-06-30 vendor fix lands next sprint",
  unwaive: "/readiness unwaive deps",
  signoff: "/readiness signoff sec-review threat model reviewed",
  recheck: "/readiness recheck",
  help: "/readiness help",
  "waive-not-waivable": "/readiness waive locked for 3d we really need to ship this",
  "signoff-not-signoff-check": "/readiness signoff deps",
} as const;

function decide(text: string, actor: string, over: Partial<DecideContext> & { policy: Policy }) {
  const [line] = parseCommands(text);
  if (!line) throw new Error(`not a command: ${text}`);
  return decideCommand(line, {
    actor,
    facts: PEOPLE[actor],
    postedAt: POSTED,
    prAuthor: "someone-else",
    ...over,
  });
}

function acceptedBy(p: Policy, command: keyof typeof COMMANDS): string[] {
  return EVERYONE.filter((actor) => decide(COMMANDS[command], actor, { policy: p }).decision === "accepted");
}

describe("authorisation matrix", () => {
  const SIGNERS = ["sec-lead", "sec-member"];

  it("default rules: maintain or above waives; the check's users and teams sign off; anyone rechecks", () => {
    const p = policy();
    expect(acceptedBy(p, "waive")).toEqual(["admin", "maintainer"]);
    expect(acceptedBy(p, "waive-until")).toEqual(["admin", "maintainer"]);
    expect(acceptedBy(p, "unwaive")).toEqual(["admin", "maintainer"]);
    expect(acceptedBy(p, "signoff")).toEqual(SIGNERS);
    expect(acceptedBy(p, "recheck")).toEqual(EVERYONE);
    expect(acceptedBy(p, "help")).toEqual(EVERYONE);
    expect(acceptedBy(p, "waive-not-waivable")).toEqual([]);
    expect(acceptedBy(p, "signoff-not-signoff-check")).toEqual([]);
  });

  it("`permission: write` plus a team: write and above, or members of the team", () => {
    const p = policy({ waive: { permission: "write", teams: ["acme/release-managers"] } });
    const waivers = ["admin", "maintainer", "rm-member", "rm-outsider", "sec-member", "writer"];
    expect(acceptedBy(p, "waive")).toEqual(waivers);
    expect(acceptedBy(p, "waive-until")).toEqual(waivers);
    expect(acceptedBy(p, "unwaive")).toEqual(waivers);
    expect(acceptedBy(p, "signoff")).toEqual(SIGNERS);
    expect(acceptedBy(p, "recheck")).toEqual(EVERYONE);
    expect(acceptedBy(p, "help")).toEqual(EVERYONE);
    expect(acceptedBy(p, "waive-not-waivable")).toEqual([]);
  });

  it("every minimum permission admits exactly the roles at or above it", () => {
    const order = ["reader", "triager", "writer", "maintainer", "admin"];
    (["read", "triage", "write", "maintain", "admin"] as const).forEach((permission, i) => {
      const p = policy({ waive: { permission } });
      const roles = EVERYONE.filter(
        (a) => !["rm-member", "rm-outsider", "other-team", "sec-lead", "sec-member"].includes(a),
      );
      const accepted = roles.filter((a) => decide(COMMANDS.waive, a, { policy: p }).decision === "accepted");
      expect(accepted.sort()).toEqual(order.slice(i).sort());
    });
  });

  it("refusals say why: below the permission, or not in a named team", () => {
    const d = decide(COMMANDS.waive, "writer", { policy: policy() });
    expect(d).toMatchObject({ decision: "refused", code: "not-authorised" });
    expect(d.explanation).toBe("Waivers need maintain permission or above; writer has write permission.");
    const t = decide(COMMANDS.waive, "other-team", {
      policy: policy({ waive: { permission: "admin", teams: ["acme/release-managers"] } }),
    });
    expect(t.explanation).toBe(
      "Waivers need admin permission or above, or membership of acme/release-managers; other-team has read permission.",
    );
  });

  it("a signoff by someone not listed names who may", () => {
    const d = decide(COMMANDS.signoff, "admin", { policy: policy() });
    expect(d).toMatchObject({ decision: "refused", code: "not-signoff-approver" });
    expect(d.explanation).toBe("Only sec-lead or team acme/security may sign this check off.");
  });

  it("logins and team names compare without case", () => {
    const p = policy({ waive: { permission: "admin", teams: ["Acme/Release-Managers"] } });
    expect(decide(COMMANDS.waive, "rm-member", { policy: p }).decision).toBe("accepted");
    expect(
      decide(COMMANDS.signoff, "Sec-Lead", { policy: policy(), facts: PEOPLE["sec-lead"] }).decision,
    ).toBe("accepted");
  });

  it("a team whose membership could not be read counts as not a member, and the refusal says so", () => {
    const p = policy({ waive: { permission: "admin", teams: ["acme/release-managers"] } });
    const d = decide(COMMANDS.waive, "reader", {
      policy: p,
      facts: { permission: "read", teams: [], unknownTeams: ["acme/release-managers"] },
    });
    expect(d.decision).toBe("refused");
    expect(d.explanation).toContain(
      "could not be read: the App needs the Organization members: read permission",
    );
  });

  it("an unknown permission (a lookup that failed) refuses every state-changing command", () => {
    for (const c of ["waive", "unwaive"] as const) {
      expect(decide(COMMANDS[c], "ghost", { policy: policy(), facts: undefined })).toMatchObject({
        decision: "refused",
        code: "actor-unknown",
      });
    }
    expect(decide(COMMANDS.recheck, "ghost", { policy: policy(), facts: undefined }).decision).toBe(
      "accepted",
    );
  });

  it("ranks roles, anything unrecognised as none", () => {
    expect(["none", "read", "triage", "write", "maintain", "admin"].map(roleRank)).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
    expect(roleRank("Maintain")).toBe(4);
    expect(roleRank("custom-role")).toBe(0);
    expect(roleRank(undefined)).toBe(0);
    expect(hasRole("write", "maintain")).toBe(false);
    expect(hasRole("admin", "maintain")).toBe(true);
  });
});

describe("self-waive", () => {
  const strict = policy({ waive: { allowSelfWaive: false } });

  it("refuses the PR's author when allowSelfWaive is false, and no one else", () => {
    const own = decide(COMMANDS.waive, "maintainer", { policy: strict, prAuthor: "Maintainer" });
    expect(own).toMatchObject({ decision: "refused", code: "self-waive" });
    expect(decide(COMMANDS.waive, "admin", { policy: strict, prAuthor: "maintainer" }).decision).toBe(
      "accepted",
    );
  });

  it("lets the author waive their own PR by default", () => {
    expect(decide(COMMANDS.waive, "maintainer", { policy: policy(), prAuthor: "maintainer" }).decision).toBe(
      "accepted",
    );
  });

  it("lets the author remove a waiver (it only makes the gate stricter)", () => {
    expect(decide(COMMANDS.unwaive, "maintainer", { policy: strict, prAuthor: "maintainer" }).decision).toBe(
      "accepted",
    );
  });

  it("fails closed when the PR's author is unknown", () => {
    expect(decide(COMMANDS.waive, "admin", { policy: strict, prAuthor: undefined })).toMatchObject({
      decision: "refused",
      code: "self-waive",
    });
  });
});

describe("decideCommand: the problems and the right form", () => {
  const p = policy();
  const as = (text: string, over: Partial<Omit<DecideContext, "policy">> = {}) =>
    decide(text, "maintainer", { policy: p, ...over });

  it("unknown check id, with did you mean", () => {
    const d = as("/readiness waive dpes for 3d vendor fix lands next sprint");
    expect(d).toMatchObject({ decision: "refused", code: "unknown-check", suggestions: ["deps"] });
    expect(d.explanation).toBe("The policy has no check `dpes`. Did you mean `deps`?");
    expect(d.usage).toEqual([
      "/readiness waive <check-id> until YYYY-MM-DD <reason>",
      "/readiness waive <check-id> for <N>d|<N>w <reason>",
    ]);
    expect(as("/readiness signoff sec-reveiw").suggestions).toEqual(["sec-review"]);
    expect(as("/readiness unwaive Deps").suggestions).toEqual(["deps"]);
    expect(as("/readiness unwaive zzzzzz").suggestions).toEqual([]);
  });

  it("missing reason and reason too short, at the default minimum of 10 characters", () => {
    expect(as("/readiness waive deps for 3d")).toMatchObject({ code: "missing-reason" });
    expect(as("/readiness waive deps for 3d 123456789")).toMatchObject({ code: "reason-too-short" });
    expect(as("/readiness waive deps for 3d 1234567890").decision).toBe("accepted");
  });

  it("a configured minimum reason length", () => {
    const long = policy({ waive: { minReasonLength: 20 } });
    expect(decide("/readiness waive deps for 3d nineteen characters", "admin", { policy: long }).code).toBe(
      "reason-too-short",
    );
    expect(
      decide("/readiness waive deps for 3d twenty characters ok", "admin", { policy: long }).decision,
    ).toBe("accepted");
  });

  it("expiry: today is allowed, yesterday is in the past, maxDays (default 30) is the furthest", () => {
    const reason = "vendor fix lands next sprint";
    expect(as(`/readiness waive deps until 2026-06-15 ${reason}`).decision).toBe("accepted");
    expect(as(`/readiness waive deps until 2026-06-14 ${reason}`)).toMatchObject({ code: "expiry-in-past" });
    expect(as(`/readiness waive deps until 2026-07-15 ${reason}`).decision).toBe("accepted");
    const far = as(`/readiness waive deps until 2026-07-16 ${reason}`);
    expect(far).toMatchObject({ code: "expiry-too-far" });
    expect(far.explanation).toBe(
      "The expiry 2026-07-16 is 31 days ahead; the policy allows at most 30 (until 2026-07-15).",
    );
    expect(as(`/readiness waive deps for 30d ${reason}`)).toMatchObject({
      decision: "accepted",
      until: "2026-07-15",
    });
    expect(as(`/readiness waive deps for 31d ${reason}`)).toMatchObject({ code: "expiry-too-far" });
  });

  it("a configured maxDays, in weeks", () => {
    const week = policy({ waive: { maxDays: 7 } });
    expect(
      decide("/readiness waive deps for 1w vendor fix is coming", "admin", { policy: week }),
    ).toMatchObject({
      decision: "accepted",
      until: "2026-06-22",
    });
    expect(decide("/readiness waive deps for 8d vendor fix is coming", "admin", { policy: week }).code).toBe(
      "expiry-too-far",
    );
  });

  it("`for` counts from the UTC day the comment was posted", () => {
    const lateEvening = new Date("2026-06-15T23:30:00-05:00"); // 2026-06-16T04:30Z
    expect(as("/readiness waive deps for 1d vendor fix is coming", { postedAt: lateEvening }).until).toBe(
      "2026-06-17",
    );
  });

  it("check not waivable", () => {
    const d = as(COMMANDS["waive-not-waivable"]);
    expect(d).toMatchObject({ decision: "refused", code: "not-waivable" });
    expect(d.explanation).toBe("`locked` is not waivable: the policy says `waivable: false`.");
  });

  it("signoff on a check that is not a signoff check lists the signoff checks", () => {
    const d = decide(COMMANDS["signoff-not-signoff-check"], "sec-lead", { policy: p });
    expect(d).toMatchObject({ decision: "refused", code: "not-signoff-check" });
    expect(d.explanation).toBe("`deps` is not a sign-off check. Sign-off checks: `sec-review`.");
  });

  it("lists every problem, the first one first", () => {
    const d = decide("/readiness waive deps until 2027-01-01 short", "reader", { policy: p });
    expect(d.problems.map((x) => x.code)).toEqual(["not-authorised", "reason-too-short", "expiry-too-far"]);
    expect(d.explanation).toBe(d.problems[0]!.message);
  });

  it("edited comments and bots are refused", () => {
    expect(as(COMMANDS.waive, { edited: true })).toMatchObject({ decision: "refused", code: "edited" });
    expect(as(COMMANDS.recheck, { facts: { permission: "admin", teams: [], bot: true } })).toMatchObject({
      decision: "refused",
      code: "bot",
    });
  });

  it("a line that did not parse is refused with the parse error and the right form", () => {
    const d = as("/readiness waiv deps for 3d reason text here");
    expect(d).toMatchObject({ decision: "refused", code: "parse-error", verb: null, suggestions: ["waive"] });
    expect(d.usage).toEqual([
      "/readiness waive <check-id> until YYYY-MM-DD <reason>",
      "/readiness waive <check-id> for <N>d|<N>w <reason>",
    ]);
  });

  it("an accepted decision carries the resolved command and who authorised it", () => {
    expect(as(COMMANDS.waive)).toEqual({
      actor: "maintainer",
      text: COMMANDS.waive,
      verb: "waive",
      check: "deps",
      until: "2026-06-29",
      reason: "vendor fix lands next sprint",
      decision: "accepted",
      explanation: "maintainer has maintain permission (minimum maintain)",
      problems: [],
      usage: [],
      suggestions: [],
    });
  });
});
