import { describe, expect, it } from "vitest";
import { releaseKind } from "../../src/checks/release.js";
import type { Release } from "../../src/evidence/types.js";
import { check, evaluateWorld, prTarget, releaseTarget } from "./helpers.js";

const release = (...assets: string[]): Release => ({
  tag: "v1.2.0",
  draft: false,
  prerelease: false,
  url: "https://github.com/acme/shop/releases/tag/v1.2.0",
  assets: assets.map((name) => ({ name, size: 100 })),
});
const on = { target: releaseTarget };

describe("release", () => {
  it("asks for the release", () => {
    expect(check(releaseKind, { assets: "*.sig" }, {}, on).asked).toEqual([{ type: "release" }]);
  });

  it("fails when the commit has no release", () => {
    const r = check(releaseKind, { assets: "*.sig" }, { release: null }, on);
    expect(r.status).toBe("fail");
    expect(r.summary).toBe("no release for this commit");
    expect(r.fix).toBeDefined();
  });

  it("passes when every pattern matches an asset", () => {
    const r = check(
      releaseKind,
      { assets: ["*.sig", "*.spdx.json"] },
      { release: release("shop.tar.gz", "shop.tar.gz.sig", "shop.spdx.json") },
      on,
    );
    expect(r.status).toBe("pass");
    expect(r.evidence?.[0]?.url).toContain("/releases/tag/v1.2.0");
  });

  it("gives the share matched and lists missing patterns", () => {
    const r = check(
      releaseKind,
      { assets: ["*.sig", "*.spdx.json", "*.intoto.jsonl"] },
      { release: release("shop.tar.gz", "shop.tar.gz.sig") },
      on,
    );
    expect(r.status).toBe("fail");
    expect(r.credit).toBeCloseTo(1 / 3);
    expect(r.summary).toBe(
      "release v1.2.0: 1 of 3 asset patterns matched; missing: *.spdx.json, *.intoto.jsonl",
    );
    expect(r.details).toContain("*.sig: shop.tar.gz.sig");
  });

  it("propagates an unreadable release as unknown", () => {
    const r = check(releaseKind, { assets: "*.sig" }, { unknown: { release: "GitHub answered 500" } }, on);
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain("GitHub answered 500");
  });
});

describe("release through the engine", () => {
  const policy = { version: 1 as const, checks: { signed: { release: { assets: "*.sig" } } } };

  it("is skipped on a pull request", () => {
    const report = evaluateWorld(policy, {}, prTarget);
    expect(report.checks[0]?.status).toBe("skipped");
    expect(report.checks[0]?.summary).toContain("release checks apply to releases, deployments only");
  });

  it("is evaluated on a release", () => {
    const report = evaluateWorld(policy, { release: release("a.sig") }, releaseTarget);
    expect(report.checks[0]?.status).toBe("pass");
    expect(report.verdict).toBe("go");
  });
});
