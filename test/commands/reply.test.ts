import { describe, expect, it } from "vitest";
import { auditDecisions, auditEntry } from "../../src/commands/audit.js";
import { type CommandDecision, decideCommand } from "../../src/commands/decide.js";
import { HELP_TEXT, parseCommands, renderHelp, renderReply } from "../../src/commands/index.js";
import { codeSpan } from "../../src/commands/markdown.js";
import { type Policy, policySchema } from "../../src/policy/schema.js";

const policy: Policy = policySchema().parse({
  version: 1,
  checks: {
    deps: { file: { path: "deps.lock" } },
    locked: { waivable: false, file: { path: "SECURITY.md" } },
    "sec-review": { signoff: { users: ["sec-lead"], teams: ["acme/security"] } },
  },
  commands: { waive: { teams: ["acme/release-managers"] } },
});

function decisions(body: string, actor = "maintainer", permission = "maintain"): CommandDecision[] {
  return parseCommands(body).map((line) =>
    decideCommand(line, {
      policy,
      actor,
      facts: { permission, teams: [] },
      postedAt: new Date("2026-06-15T12:00:00Z"),
    }),
  );
}

describe("renderReply", () => {
  it("says nothing when there were no commands", () => {
    expect(renderReply([])).toBe("");
  });

  it("confirms accepted commands", () => {
    expect(
      renderReply(
        decisions("/readiness waive deps for 14d vendor fix lands next sprint\n/readiness recheck"),
      ),
    ).toBe(
      [
        "**Readiness Gate**: done.",
        "",
        "- ✅ `/readiness waive deps for 14d vendor fix lands next sprint`: waiver for `deps` until 2026-06-29 (end of day, UTC) recorded.",
        "- ✅ `/readiness recheck`: the gate will be evaluated again.",
      ].join("\n"),
    );
  });

  it("gives every problem, did you mean and the right form for refused commands", () => {
    const reply = renderReply(
      decisions(
        "/readiness waive dpes for 3d too short\n/readiness waiv deps\n/readiness waive deps for 90d x",
      ),
    );
    expect(reply).toBe(
      [
        "**Readiness Gate**: 3 of 3 commands refused.",
        "",
        "- ❌ `/readiness waive dpes for 3d too short`: The policy has no check `dpes`. Did you mean `deps`?",
        "  - Right forms: `/readiness waive <check-id> until YYYY-MM-DD <reason>` or `/readiness waive <check-id> for <N>d|<N>w <reason>`",
        "- ❌ `/readiness waiv deps`: `waiv` is not a /readiness command.",
        "  - Did you mean `waive`?",
        "  - Right forms: `/readiness waive <check-id> until YYYY-MM-DD <reason>` or `/readiness waive <check-id> for <N>d|<N>w <reason>`",
        "- ❌ `/readiness waive deps for 90d x`: The reason is 1 characters long; the policy asks for at least 10.",
        "  - The expiry 2026-09-13 is 90 days ahead; the policy allows at most 30 (until 2026-07-15).",
        "  - Right forms: `/readiness waive <check-id> until YYYY-MM-DD <reason>` or `/readiness waive <check-id> for <N>d|<N>w <reason>`",
      ].join("\n"),
    );
  });

  it("explains a refusal for lack of rights", () => {
    const reply = renderReply(
      decisions("/readiness waive deps for 3d vendor fix lands soon", "reader", "read"),
    );
    expect(reply).toContain(
      "Waivers need maintain permission or above, or membership of acme/release-managers; reader has read permission.",
    );
  });

  it("appends the help, with this policy's rules when given", () => {
    const reply = renderReply(decisions("/readiness help"), { policy });
    expect(reply).toContain(HELP_TEXT);
    expect(reply).toContain(
      "- Waivers: people with maintain permission or above, or members of acme/release-managers; reason at least 10 characters; expiry at most 30 days ahead.",
    );
    expect(reply).toContain("- Not waivable: `locked`.");
    expect(reply).toContain("- Sign-off `sec-review`: sec-lead, team acme/security.");
    expect(renderHelp()).toBe(HELP_TEXT);
  });

  it("the help lists every form", () => {
    for (const form of [
      "/readiness waive <check-id> until YYYY-MM-DD <reason>",
      "/readiness waive <check-id> for <N>d|<N>w <reason>",
      "/readiness unwaive <check-id>",
      "/readiness signoff <check-id> [note]",
      "/readiness recheck",
      "/readiness help",
    ])
      expect(HELP_TEXT).toContain(form);
  });

  it("shows what people typed only inside code spans", () => {
    const reply = renderReply(
      decisions("/readiness waive deps for 3d @everyone see `<img src=x>` ``` <b>hi</b>"),
    );
    expect(reply).toContain("````/readiness waive deps for 3d @everyone see `<img src=x>` ``` <b>hi</b>````");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
    expect(codeSpan("a".repeat(300))).toHaveLength(202);
  });
});

describe("audit", () => {
  it("writes one structured line per decision", () => {
    const lines: [object, string | undefined][] = [];
    const log = { info: (obj: object, msg?: string) => lines.push([obj, msg]) };
    const ds = decisions(
      "/readiness waive deps for 14d vendor fix lands next sprint\n/readiness waive locked for 3d x",
    );
    auditDecisions(log, ds, { repository: "acme/shop", pr: 7 });
    expect(lines).toEqual([
      [
        {
          audit: "readiness-command",
          actor: "maintainer",
          command: "/readiness waive deps for 14d vendor fix lands next sprint",
          check: "deps",
          repository: "acme/shop",
          pr: 7,
          decision: "accepted",
          reason: "maintainer has maintain permission (minimum maintain)",
        },
        "readiness command accepted",
      ],
      [
        {
          audit: "readiness-command",
          actor: "maintainer",
          command: "/readiness waive locked for 3d x",
          check: "locked",
          repository: "acme/shop",
          pr: 7,
          decision: "refused",
          reason:
            "The reason is 1 characters long; the policy asks for at least 10. `locked` is not waivable: the policy says `waivable: false`.",
        },
        "readiness command refused",
      ],
    ]);
  });

  it("records commands that did not parse, with no check", () => {
    const [d] = decisions("/readiness frobnicate");
    expect(auditEntry(d!, { repository: "acme/shop", pr: null })).toMatchObject({
      check: null,
      pr: null,
      decision: "refused",
      reason: "`frobnicate` is not a /readiness command.",
    });
  });
});
