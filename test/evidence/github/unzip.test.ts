// Artifacts are inflated streaming and bounded by what they inflate to, not by what their headers say.

import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readZipEntry } from "../../../src/evidence/github/actions.js";
import { lyingZip } from "../../support/lying-zip.js";

const MiB = 1024 * 1024;

describe("readZipEntry", () => {
  it("reads an honest entry", async () => {
    const zip = zipSync({ "coverage.json": strToU8('{"total":91}'), "other.txt": strToU8("x") });
    expect(await readZipEntry(zip, "coverage.json", MiB)).toEqual({ state: "ok", value: '{"total":91}' });
    expect(await readZipEntry(zip, "missing.json", MiB)).toEqual({ state: "ok", value: null });
  });

  it("stops a lying entry at the bound, without blocking the event loop", async () => {
    const zip = lyingZip("coverage.json", 32 * MiB, 12);
    const started = performance.now();
    const read = await readZipEntry(zip, "coverage.json", MiB);
    expect(read).toMatchObject({
      state: "unknown",
      reason: expect.stringContaining("inflates to more than 1.0 MiB"),
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("refuses an entry declared over the bound without inflating it", async () => {
    const zip = zipSync({ "big.json": new Uint8Array(2 * MiB) });
    expect(await readZipEntry(zip, "big.json", MiB)).toMatchObject({
      state: "unknown",
      reason: expect.stringContaining("is 2.0 MiB uncompressed"),
    });
  });
});
