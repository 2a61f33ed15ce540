import { describe, expect, it } from "vitest";
import { scoreReport, unknownsCouldChangeVerdict } from "../../src/engine/score.js";
import type { CheckReport } from "../../src/engine/types.js";
import { applyWaivers, isWaiverValid } from "../../src/engine/waivers.js";
import { type Policy, policySchema } from "../../src/policy/schema.js";

const NOW = new Date("2026-06-15T12:00:00Z");

function policy(extra: Record<string, unknown> = {}): Policy {
  return policySchema().parse({
    version: 1,
    categories: { sec: { title: "Security", weight: 3 }, ops: { title: "Operations", weight: 1 } },
    checks: {
      a: { category: "sec", file: { path: "a" } },
      b: { category: "sec", weight: 3, file: { path: "b" } },
      c: { category: "ops", file: { path: "c" } },
    },
    ...extra,
  });
}

function check(
  id: string,
  category: string,
  status: CheckReport["status"],
  over: Partial<CheckReport> = {},
): CheckReport {
  return {
    id,
    title: id,
    category,
    kind: "file",
    required: false,
    weight: 1,
    status,
    credit: status === "pass" ? 1 : 0,
    summary: status,
    waiver: null,
    waivable: true,
    cost: 0,
    ...over,
  };
}

const report = (p: Policy, checks: CheckReport[]) =>
  scoreReport({ policy: p, checks, waivers: [], notes: [], target: { context: "local" }, now: NOW });

describe("scoring", () => {
  it("weights checks inside a category and categories in the overall score", () => {
    const r = report(policy(), [
      check("a", "sec", "pass"),
      check("b", "sec", "fail", { weight: 3 }),
      check("c", "ops", "pass"),
    ]);
    expect(r.categories.map((c) => [c.id, c.score])).toEqual([
      ["sec", 25],
      ["ops", 100],
    ]);
    // (3 * 25 + 1 * 100) / 4
    expect(r.score).toBe(43.8);
    expect(r.verdict).toBe("no-go");
    expect(r.blocking).toEqual(["b"]);
  });

  it("uses partial credit and rounds to one decimal", () => {
    const r = report(policy(), [
      check("a", "sec", "fail", { credit: 2 / 3 }),
      check("b", "sec", "pass", { weight: 3 }),
      check("c", "ops", "pass"),
    ]);
    expect(r.categories[0]?.score).toBe(91.7);
    expect(r.score).toBe(93.8);
    expect(r.verdict).toBe("go");
    expect(r.blocking).toEqual([]);
  });

  it("drops skipped checks from the denominator and empty categories from the overall score", () => {
    const r = report(policy(), [
      check("a", "sec", "pass"),
      check("b", "sec", "skipped", { weight: 3 }),
      check("c", "ops", "skipped"),
    ]);
    expect(r.categories.map((c) => c.score)).toEqual([100, null]);
    expect(r.score).toBe(100);
    expect(r.verdict).toBe("go");
  });

  it("fails closed: unknown earns nothing and marks the report incomplete even above minScore", () => {
    const r = report(policy({ gate: { minScore: 10 } }), [
      check("a", "sec", "unknown"),
      check("b", "sec", "pass", { weight: 3 }),
      check("c", "ops", "pass"),
    ]);
    expect(r.score).toBeGreaterThan(10);
    expect(r.incomplete).toBe(true);
    expect(r.verdict).toBe("no-go");
    expect(r.blocking).toEqual(["a"]);
  });

  it("is NO-GO when a required check fails whatever the score", () => {
    const r = report(policy({ gate: { minScore: 0 } }), [
      check("a", "sec", "fail", { required: true }),
      check("b", "sec", "pass", { weight: 3 }),
      check("c", "ops", "pass"),
    ]);
    expect(r.verdict).toBe("no-go");
    expect(r.blocking).toEqual(["a"]);
  });

  it("stays pending while a pending check could still bring GO, NO-GO once it could not", () => {
    const p = policy({ gate: { minScore: 80 } });
    const rescuable = report(p, [
      check("a", "sec", "pending"),
      check("b", "sec", "pass", { weight: 3 }),
      check("c", "ops", "pass"),
    ]);
    expect(rescuable.verdict).toBe("pending");
    expect(rescuable.pending).toEqual(["a"]);
    const hopeless = report(p, [
      check("a", "sec", "pending"),
      check("b", "sec", "fail", { weight: 3 }),
      check("c", "ops", "pass"),
    ]);
    expect(hopeless.verdict).toBe("no-go");
    const requiredFailing = report(p, [
      check("a", "sec", "pending"),
      check("b", "sec", "pass", { weight: 3 }),
      check("c", "ops", "fail", { required: true }),
    ]);
    expect(requiredFailing.verdict).toBe("no-go");
  });

  it("says NO-GO when no check applies", () => {
    const r = report(policy(), [
      check("a", "sec", "skipped"),
      check("b", "sec", "skipped"),
      check("c", "ops", "skipped"),
    ]);
    expect(r.verdict).toBe("no-go");
    expect(r.notes.join(" ")).toMatch(/No check applies/);
  });
});

describe("waivers", () => {
  const waiver = (checkId: string, expires: string) =>
    ({ check: checkId, source: "policy", reason: "ships next sprint", expires, state: "applied" }) as const;

  it("hold until the end of their expiry day, UTC", () => {
    expect(isWaiverValid("2026-06-15", new Date("2026-06-15T23:59:59.999Z"))).toBe(true);
    expect(isWaiverValid("2026-06-15", new Date("2026-06-16T00:00:00.000Z"))).toBe(false);
  });

  it("turn a failing check into waived with full credit, and say when they are expired or unused", () => {
    const checks = [check("a", "sec", "fail"), check("b", "sec", "pass"), check("c", "ops", "fail")];
    const notes: string[] = [];
    const views = applyWaivers(
      checks,
      [waiver("a", "2026-06-30"), waiver("b", "2026-06-30"), waiver("c", "2026-06-01")],
      policy(),
      NOW,
      notes,
    );
    expect(checks.map((c) => [c.status, c.credit])).toEqual([
      ["waived", 1],
      ["pass", 1],
      ["fail", 0],
    ]);
    expect(views.map((v) => v.state)).toEqual(["applied", "unused", "expired"]);
    expect(notes.join("\n")).toMatch(/c expired on 2026-06-01/);
  });

  it("are refused on checks that are not waivable", () => {
    const p = policySchema().parse({
      version: 1,
      checks: { a: { waivable: false, file: { path: "a" } } },
    });
    const checks = [check("a", "general", "fail")];
    const notes: string[] = [];
    const [view] = applyWaivers(checks, [waiver("a", "2026-06-30")], p, NOW, notes);
    expect(view?.state).toBe("refused");
    expect(checks[0]?.status).toBe("fail");
  });
});

describe("fail-closed edges", () => {
  it("decides on the unrounded score: 79.95 shows as 80 but does not reach minScore 80", () => {
    const p = policySchema().parse({
      version: 1,
      gate: { minScore: 80 },
      checks: { a: { weight: 7995, file: { path: "a" } }, b: { weight: 2005, file: { path: "b" } } },
    });
    const r = report(p, [
      check("a", "general", "pass", { weight: 7995 }),
      check("b", "general", "fail", { weight: 2005 }),
    ]);
    expect(r.score).toBe(80);
    expect(r.verdict).toBe("no-go");
    expect(r.blocking).toEqual(["b"]);
  });

  it("never waives evidence that could not be had: an unknown check stays unknown and the report incomplete", () => {
    const checks = [check("a", "sec", "unknown"), check("b", "sec", "pass"), check("c", "ops", "pass")];
    const notes: string[] = [];
    const [view] = applyWaivers(
      checks,
      [
        {
          check: "a",
          source: "comment",
          reason: "GitHub is down, ship",
          expires: "2026-06-30",
          state: "applied",
        },
      ],
      policy(),
      NOW,
      notes,
    );
    expect(checks[0]?.status).toBe("unknown");
    expect(view?.state).toBe("unused");
    const r = report(policy({ gate: { minScore: 0 } }), checks);
    expect(r.incomplete).toBe(true);
    expect(r.verdict).toBe("no-go");
  });
});

describe("could an unknown change the verdict (issue 9, item 7)", () => {
  const req = { required: true };
  it("a required check that failed definitely makes the NO-GO conclusive", () => {
    const p = policy();
    const checks = [check("a", "sec", "fail", req), check("b", "sec", "unknown"), check("c", "ops", "pass")];
    expect(unknownsCouldChangeVerdict(p, checks)).toBe(false);
    expect(report(p, checks)).toMatchObject({ verdict: "no-go", incomplete: true, conclusive: true });
  });

  it("a waived required failure does not: the unknown could still let it through", () => {
    const p = policy();
    const checks = [
      check("a", "sec", "waived", { ...req, credit: 1 }),
      check("b", "sec", "unknown", { weight: 3 }),
      check("c", "ops", "pass"),
    ];
    expect(report(p, checks)).toMatchObject({ verdict: "no-go", incomplete: true, conclusive: false });
  });

  it("a score that cannot reach minScore even if every unknown and error passed is conclusive", () => {
    const p = policy({ gate: { minScore: 90 } });
    // sec at best (1 + 0) / 4 ... with b failing (weight 3): sec 25, ops 100: (3 × 25 + 100) / 4 = 43.75.
    const checks = [
      check("a", "sec", "error"),
      check("b", "sec", "fail", { weight: 3 }),
      check("c", "ops", "unknown"),
    ];
    expect(report(p, checks)).toMatchObject({ verdict: "no-go", incomplete: true, conclusive: true });
  });

  it("an unknown that could turn the verdict into pending is not conclusive", () => {
    const p = policy({ gate: { minScore: 10 } });
    const checks = [
      check("a", "sec", "pending"),
      check("b", "sec", "unknown", { weight: 3 }),
      check("c", "ops", "pass"),
    ];
    expect(unknownsCouldChangeVerdict(p, checks)).toBe(true);
    expect(report(p, checks).conclusive).toBe(false);
  });

  it("a report without unknowns is conclusive, whatever its verdict", () => {
    const p = policy();
    expect(
      report(p, [check("a", "sec", "pass"), check("b", "sec", "fail"), check("c", "ops", "pass")]).conclusive,
    ).toBe(true);
  });
});

describe("gate items (required, weight 0)", () => {
  const gated = (extra: Record<string, unknown> = {}) =>
    policy({
      categories: { sec: { title: "Security", weight: 3 }, gates: { title: "Go / No-Go", weight: 1 } },
      checks: {
        a: { category: "sec", file: { path: "a" } },
        g: { category: "gates", required: true, weight: 0, file: { path: "g" } },
      },
      gate: { minScore: 100 },
      ...extra,
    });
  const gate = (status: CheckReport["status"]) => check("g", "gates", status, { required: true, weight: 0 });

  it("loads: weight 0 is allowed, a negative weight is not", () => {
    expect(gated().checks.g?.weight).toBe(0);
    expect(() => policy({ checks: { a: { weight: -1, file: { path: "a" } } } })).toThrow();
  });

  it("a passing gate item adds nothing to the score and a category of gate items only is not scored", () => {
    const r = report(gated(), [check("a", "sec", "pass"), gate("pass")]);
    expect(r.score).toBe(100);
    expect(r.categories.map((c) => [c.id, c.score, c.checks])).toEqual([
      ["sec", 100, 1],
      ["gates", null, 1],
    ]);
    expect(r.verdict).toBe("go");
  });

  it("a failing gate item blocks without lowering the score", () => {
    const r = report(gated(), [check("a", "sec", "pass"), gate("fail")]);
    expect(r.score).toBe(100);
    expect(r.verdict).toBe("no-go");
    expect(r.blocking).toEqual(["g"]);
  });

  it("when only gate items apply, the verdict rests on them and a note says so", () => {
    const skipped = check("a", "sec", "skipped");
    const pass = report(gated(), [skipped, gate("pass")]);
    expect(pass.verdict).toBe("go");
    expect(pass.notes.join("\n")).toMatch(/Only gate items/);
    expect(report(gated(), [skipped, gate("fail")]).verdict).toBe("no-go");
    // Nothing at all applies: still NO-GO, as before.
    expect(report(gated(), [skipped, check("g", "gates", "skipped", { weight: 0 })]).verdict).toBe("no-go");
  });
});
