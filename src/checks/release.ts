import { z } from "zod";
import type { Need } from "../evidence/types.js";
import {
  failed,
  globList,
  globMatcher,
  joinAnd,
  link,
  passed,
  plural,
  toList,
  unknownResult,
} from "./common.js";
import { defineKind } from "./types.js";

const listSome = (names: string[], max = 3): string =>
  names.length <= max ? joinAnd(names) : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;

export const releaseKind = defineKind({
  name: "release",
  description:
    "The release being evaluated has assets matching each glob (SBOM, signatures, provenance); partial credit = share matched.",
  schema: () =>
    z.strictObject({
      assets: globList().describe("Asset name globs, e.g. '*.sig', '*.spdx.json'."),
    }),
  appliesTo: ["release", "deployment"],
  needs: (): Need[] => [{ type: "release" }],
  evaluate: (p, { facts }) => {
    const fact = facts.get({ type: "release" });
    if (fact.state === "unknown") return unknownResult(`the release could not be read: ${fact.reason}`);
    const release = fact.value;
    if (release === null) {
      return failed("no release for this commit", 0, { fix: "Publish a GitHub release for this commit" });
    }
    const patterns = toList(p.assets);
    const names = release.assets.map((a) => a.name);
    const rows = patterns.map((glob) => {
      const isMatch = globMatcher(glob);
      return { glob, matched: names.filter((n) => isMatch(n)) };
    });
    const missing = rows.filter((r) => r.matched.length === 0).map((r) => r.glob);
    const details = rows.map((r) =>
      r.matched.length > 0 ? `${r.glob}: ${r.matched.slice(0, 5).join(", ")}` : `${r.glob}: no asset`,
    );
    const evidence = [link(`release ${release.tag}`, release.url)];
    const found = patterns.length - missing.length;
    if (missing.length === 0) {
      const summary =
        patterns.length === 1
          ? `release ${release.tag} has ${listSome(rows[0]!.matched)}`
          : `release ${release.tag} has assets for all ${patterns.length} patterns`;
      return passed(summary, { details: patterns.length > 1 ? details : [], evidence });
    }
    return failed(
      `release ${release.tag}: ${found} of ${plural(patterns.length, "asset pattern")} matched; missing: ${missing.join(", ")}`,
      found / patterns.length,
      {
        details,
        evidence,
        fix: `Attach assets matching ${missing.join(", ")} to the release (e.g. in the release workflow)`,
      },
    );
  },
});
