import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, suggestion } from "../../src/policy/suggest.js";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["wieght", "weight", 1],
    ["maxAgeDay", "maxAgeDays", 1],
    ["worklow", "workflow", 1],
  ])("%s → %s is %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("didYouMean", () => {
  const keys = ["path", "minBytes", "contains", "maxAgeDays"];

  it.each([
    ["maxAgeDay", keys, "maxAgeDays"],
    ["maxagedays", keys, "maxAgeDays"],
    ["contain", keys, "contains"],
    ["paht", keys, "path"],
    ["worklow", ["file", "workflow", "status"], "workflow"],
    ["secuirty", ["docs", "security", "general"], "security"],
    ["readiness:servce", ["readiness:baseline", "readiness:service"], "readiness:service"],
  ])("%s → %s", (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });

  it.each([
    ["owner", keys],
    ["x", keys],
    ["", keys],
    ["path", keys],
  ])("nothing close for %s", (input, candidates) => {
    expect(didYouMean(input, candidates)).toBeUndefined();
  });

  it("suggestion() phrases it, or says nothing", () => {
    expect(suggestion("chekcs", ["checks"])).toBe(' (did you mean "checks"?)');
    expect(suggestion("zzz", ["checks"])).toBe("");
  });
});
