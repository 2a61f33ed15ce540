// The store's settings as an operator writes them in the environment: defaults, and one clear line per mistake.
import { describe, expect, it } from "vitest";
import { readStorageSettings } from "../../src/app/storage.js";

describe("storage settings", () => {
  it("keeps 400 days of verdict history by default; HISTORY_RETENTION_DAYS sets it", () => {
    expect(readStorageSettings({})).toMatchObject({ ok: true, settings: { historyRetentionDays: 400 } });
    expect(readStorageSettings({ HISTORY_RETENTION_DAYS: " 30 " })).toMatchObject({
      ok: true,
      settings: { historyRetentionDays: 30 },
    });
  });

  it.each(["0", "-5", "1.5", "forever", "36501"])(
    "refuses HISTORY_RETENTION_DAYS=%s with the reason",
    (v) => {
      expect(readStorageSettings({ HISTORY_RETENTION_DAYS: v })).toEqual({
        ok: false,
        message: `HISTORY_RETENTION_DAYS must be a whole number of days between 1 and 36500, got "${v}"`,
      });
    },
  );
});
