import { describe, expect, it } from "vitest";
import { chunk, policyErrorAnnotations } from "../../src/report/annotations.js";

describe("policyErrorAnnotations", () => {
  it("marks each error on its line and column of the policy file", () => {
    const a = policyErrorAnnotations(
      [{ file: ".readiness.yml", line: 7, column: 5, message: "unknown check kind: fil" }],
      ".readiness.yml",
    );
    expect(a).toEqual([
      {
        path: ".readiness.yml",
        start_line: 7,
        end_line: 7,
        start_column: 5,
        end_column: 5,
        annotation_level: "failure",
        message: "unknown check kind: fil",
        title: "Invalid policy: .readiness.yml",
      },
    ]);
  });

  it("pins errors of other files (presets, extended policies) to line 1 and names their location", () => {
    const [a] = policyErrorAnnotations(
      [{ file: "acme/policies:base.yml", line: 3, column: 2, message: "bad" }],
      ".github/readiness.yml",
    );
    expect(a).toMatchObject({ path: ".github/readiness.yml", start_line: 1, end_line: 1 });
    expect(a!.start_column).toBeUndefined();
    expect(a!.message).toBe("acme/policies:base.yml:3:2: bad");
  });

  it("never gives GitHub a line below 1 or a column of 0", () => {
    const [a] = policyErrorAnnotations([{ file: "p.yml", line: 0, column: 0, message: "empty" }], "p.yml");
    expect(a).toMatchObject({ start_line: 1, end_line: 1 });
    expect("start_column" in a!).toBe(false);
  });
});

describe("chunk", () => {
  it("splits into runs of 50 by default", () => {
    const items = Array.from({ length: 123 }, (_, i) => i);
    const runs = chunk(items);
    expect(runs.map((r) => r.length)).toEqual([50, 50, 23]);
    expect(runs.flat()).toEqual(items);
    expect(chunk([], 50)).toEqual([]);
    expect(chunk([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
  });

  it("refuses a size that would loop forever", () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});
