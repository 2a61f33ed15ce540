// Freshness by window (history.ts windowedChanges): a need with `within` must get the verdict
// `git log -1 -- <path>` gives, on ordinary history without walking all of it, and on back-dated history too.
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { BELOW } from "../../../src/evidence/local/history.js";
import { LocalEvidence } from "../../../src/evidence/local/provider.js";
import { type ChangeBound, type Fact, type Need, needKey } from "../../../src/evidence/types.js";
import { cleanup, commit, git, initRepo } from "./repo.js";

afterAll(cleanup);

const NOW = Date.parse("2025-06-01T12:00:00Z");
const DAY = 86_400_000;
const iso = (daysAgo: number, hour = 0) => new Date(NOW - daysAgo * DAY - hour * 3_600_000).toISOString();

type Answer = Date | null | ChangeBound;

async function windowed(dir: string, asks: [string, number][]) {
  const calls: string[][] = [];
  const provider = new LocalEvidence(dir, { now: () => new Date(NOW), trace: (a) => calls.push([...a]) });
  const needs: Need[] = asks.map(([path, within]) => ({ type: "lastChanged", path, within }));
  const got = await provider.collect(needs, { context: "local" });
  const answers = needs.map((n) => {
    const f = got.get(needKey(n)) as Fact<Answer> | undefined;
    if (f?.state !== "ok")
      throw new Error(`no answer for ${needKey(n)}: ${f?.state === "unknown" ? f.reason : ""}`);
    return f.value;
  });
  return { answers, calls };
}

/** What `git log -1` says, one path at a time: fresh, stale or never committed, with its date. */
function truth(dir: string, path: string, within: number): { fresh: boolean | null; time: number | null } {
  const out = git(dir, ["log", "-1", "--format=%ct", "--", path]).trim();
  if (out === "") return { fresh: null, time: null };
  const t = Number(out) * 1000;
  return { fresh: NOW - t <= within * DAY, time: t };
}

function verdict(a: Answer, within: number): boolean | null {
  if (a === null) return null;
  if (a instanceof Date) return NOW - a.getTime() <= within * DAY;
  if ("olderThan" in a) {
    expect(NOW - a.olderThan.getTime()).toBeGreaterThan(within * DAY);
    return false;
  }
  throw new Error("the local provider gives no newerThan bound");
}

function expectTruth(dir: string, asks: [string, number][], answers: Answer[]): void {
  asks.forEach(([path, within], i) => {
    const a = answers[i]!;
    const t = truth(dir, path, within);
    expect({ path, within, fresh: verdict(a, within) }).toEqual({ path, within, fresh: t.fresh });
    // A date given is git log's date.
    if (a instanceof Date) expect(a.getTime()).toBe(t.time);
  });
}

describe("freshness by window", () => {
  it("answers ordinary history without walking all of it: fresh and stale paths with git log's date", async () => {
    const dir = initRepo();
    commit(dir, iso(900), {
      LICENSE: "MIT\n",
      "README.md": "a\n",
      "docs/runbook.md": "r\n",
      "SECURITY.md": "s\n",
    });
    const touched: Record<number, Record<string, string>> = {
      200: { "docs/runbook.md": "r2\n" },
      40: { "SECURITY.md": "s2\n" },
      0: { "README.md": "b\n" },
    };
    for (let d = 800; d >= 0; d -= 20) commit(dir, iso(d + 3), { [`src/f${d}.ts`]: `${d}\n`, ...touched[d] });
    const asks: [string, number][] = [
      ["LICENSE", 365],
      ["README.md", 7],
      ["README.md", 90],
      ["docs/runbook.md", 365],
      ["docs/runbook.md", 90],
      ["SECURITY.md", 30],
      ["SECURITY.md", 90],
      ["docs", 30],
    ];
    const { answers } = await windowed(dir, asks);
    expectTruth(dir, asks, answers);
    // Stale, with the exact date: the walk reached its change within the commits read below the window.
    expect(answers[0]).toBeInstanceOf(Date);
    expect(answers[1]).toBeInstanceOf(Date);
  });

  it(`stops ${BELOW} commits below the window: a file untouched since reads as older, not walked to the root`, async () => {
    const dir = initRepo();
    // fast-import: 2,500 daily commits, LICENSE only in the first.
    const lines: string[] = [];
    for (let k = 0; k < 2500; k++) {
      const when = Math.floor((NOW - (2500 - k) * DAY) / 1000);
      lines.push(`commit refs/heads/main`, `committer T <t@example.com> ${when} +0000`, "data 1", "x");
      if (k === 0) lines.push("M 100644 inline LICENSE", "data 4", "MIT", "");
      lines.push("M 100644 inline log.txt", `data ${String(k).length}`, String(k), "");
    }
    execFileSync("git", ["fast-import", "--quiet"], { cwd: dir, input: `${lines.join("\n")}\n` });
    git(dir, ["reset", "-q", "--hard", "main"]);
    const asks: [string, number][] = [
      ["LICENSE", 30],
      ["log.txt", 30],
    ];
    const { answers, calls } = await windowed(dir, asks);
    expectTruth(dir, asks, answers);
    expect(answers[0]).toEqual({ olderThan: expect.any(Date) });
    expect(answers[1]).toBeInstanceOf(Date);
    expect(calls.filter((a) => a.includes("log"))).toHaveLength(1);
  });

  it("a back-dated commit on top of recent ones: falls back to the exact walk and keeps git log's answer", async () => {
    const dir = initRepo();
    commit(dir, iso(900), { "README.md": "a\n", LICENSE: "MIT\n" });
    commit(dir, iso(5), { "README.md": "b\n" });
    // Dated two years ago, after a commit of five days ago: git log still meets README's change first.
    commit(dir, iso(700), { "other.txt": "x\n" });
    const asks: [string, number][] = [
      ["README.md", 30],
      ["LICENSE", 30],
    ];
    const { answers } = await windowed(dir, asks);
    expectTruth(dir, asks, answers);
    expect(verdict(answers[0]!, 30)).toBe(true);
  });

  it("an old branch merged recently: its commits dated before the window do not read as fresh", async () => {
    const dir = initRepo();
    commit(dir, iso(900), { "README.md": "a\n", "docs/a.md": "a\n" });
    git(dir, ["checkout", "-q", "-b", "old"]);
    commit(dir, iso(200), { "docs/a.md": "changed on the branch\n" });
    git(dir, ["checkout", "-q", "main"]);
    commit(dir, iso(100), { "main.txt": "m\n" });
    git(dir, ["merge", "-q", "--no-ff", "-m", "merge old", "old"], iso(2));
    const asks: [string, number][] = [
      ["docs/a.md", 30],
      ["docs/a.md", 365],
      ["README.md", 30],
    ];
    const { answers } = await windowed(dir, asks);
    expectTruth(dir, asks, answers);
  });

  it("agrees with git log -1 on random linear histories, back-dated and future-dated ones included", async () => {
    const PATHS = ["README.md", "docs/a.md", "docs/b.md", "LICENSE"];
    const commitArb = fc.record({
      daysAgo: fc.oneof(fc.integer({ min: -10, max: 800 }), fc.integer({ min: 0, max: 40 })),
      hour: fc.nat(23),
      touch: fc.subarray(PATHS, { minLength: 0 }),
    });
    const samples = fc.sample(
      fc.record({ commits: fc.array(commitArb, { minLength: 1, maxLength: 7 }), ordered: fc.boolean() }),
      { seed: 20_261_203, numRuns: 25 },
    );
    for (const [i, { commits, ordered }] of samples.entries()) {
      if (ordered) {
        const days = commits.map((c) => c.daysAgo).sort((a, b) => b - a);
        commits.forEach((c, k) => {
          c.daysAgo = days[k]!;
        });
      }
      const dir = initRepo();
      commits.forEach((c, k) => {
        const files: Record<string, string> = { "log.txt": `${k}\n` };
        for (const p of c.touch) files[p] = `${p} ${k}\n`;
        commit(dir, iso(c.daysAgo, c.hour), files);
      });
      const asks: [string, number][] = PATHS.flatMap((p) =>
        [1, 30, 365].map((d): [string, number] => [p, d]),
      );
      const { answers } = await windowed(dir, asks);
      try {
        expectTruth(dir, asks, answers);
      } catch (e) {
        throw new Error(`sample ${i} ${JSON.stringify(commits)}: ${(e as Error).message}`);
      }
    }
  }, 60_000);
});
