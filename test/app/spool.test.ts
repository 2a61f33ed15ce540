// Work held while the shared queue's database does not answer (src/app/spool.ts): bounded, one item per key,
// handed over in the order it came once the queue takes it again.
import { describe, expect, it } from "vitest";
import { Spool } from "../../src/app/spool.js";

function spool(max = 3) {
  let up = false;
  const queued: string[] = [];
  const s = new Spool<string>({
    push: async (key, item) => {
      if (!up) throw new Error("connection refused");
      queued.push(`${key}=${item}`);
      return true;
    },
    merge: (older, newer) => `${older}+${newer}`,
    max,
    retryMs: 60_000,
  });
  return { s, queued, setUp: (v: boolean) => (up = v) };
}

describe("the spool of work held while the database is away", () => {
  it("holds at most `max` keys, merges a key held twice, and hands them over in order once the queue answers", async () => {
    const { s, queued, setUp } = spool();
    expect([s.hold("a", "1"), s.hold("b", "1"), s.hold("a", "2"), s.hold("c", "1")]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(s.hold("d", "1")).toBe(false);
    expect(await s.flush()).toBe(0);
    expect(s.size).toBe(3);
    setUp(true);
    expect(await s.flush()).toBe(3);
    expect(queued).toEqual(["a=1+2", "b=1", "c=1"]);
    expect(s.size).toBe(0);
  });

  it("keeps what the queue refused (full) for the next pass", async () => {
    const queued: string[] = [];
    let room = 1;
    const s = new Spool<string>({
      push: async (key) => {
        if (room-- <= 0) return false;
        queued.push(key);
        return true;
      },
      merge: (_o, n) => n,
      max: 10,
      retryMs: 60_000,
    });
    s.hold("a", "1");
    s.hold("b", "1");
    expect(await s.flush()).toBe(1);
    expect(s.size).toBe(1);
    room = 1;
    expect(await s.flush()).toBe(1);
    expect(queued).toEqual(["a", "b"]);
    s.stop();
  });
});
