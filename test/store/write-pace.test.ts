// One write pace per installation shared by replicas (src/store/write-pace.ts), on a real PostgreSQL: two
// stores on one schema stand for two replicas writing for the same installation at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/store/store.js";
import { WritePace } from "../../src/store/write-pace.js";
import { dropSchema, postgresForTests, TEST_DATABASE_URL, uniqueSchema } from "../support/database.js";

const onPostgres = await postgresForTests("write pace");

describe.runIf(onPostgres)("write pace across replicas", () => {
  const schema = uniqueSchema("pace");
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    a = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
    b = await Store.open({ databaseUrl: TEST_DATABASE_URL, schema });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  it("hands six writes of one installation from two replicas slots a second apart; another installation does not wait", async () => {
    const paces = [new WritePace(a.sql), new WritePace(b.sql)];
    const waits = await Promise.all(Array.from({ length: 6 }, (_, i) => paces[i % 2]!.reserve(41)));
    const sorted = [...waits].sort((x, y) => x - y);
    // Slots 0, 1, 2, 3, 4, 5 s from now, give or take the statements' own time.
    sorted.forEach((wait, slot) => {
      expect(wait).toBeGreaterThanOrEqual(slot * 1000 - 250);
      expect(wait).toBeLessThanOrEqual(slot * 1000 + 250);
    });
    expect(await paces[1]!.reserve(42)).toBe(0);
  });

  it("a slot already past is not owed: after a quiet spell the next write goes at once", async () => {
    const pace = new WritePace(a.sql, 100);
    await pace.reserve(43);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pace.reserve(43)).toBe(0);
  });
});
