import { z } from "zod";
import type { Need } from "../evidence/types.js";
import { failed, globMatcher, joinAnd, link, type Part, passed, settle, unknownResult } from "./common.js";
import { defineKind } from "./types.js";

interface Row extends Part {
  /** Shown in the summary when the part passes: "labelled release", "changes CHANGELOG.md". */
  good: string;
  fix?: string;
}

export const prKind = defineKind({
  name: "pr",
  description: "The pull request carries labels and changes files (each glob matched by a changed file).",
  schema: () =>
    z
      .strictObject({
        labels: z.array(z.string().min(1)).min(1).optional().describe("Labels the pull request must carry."),
        changedFiles: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe("Globs each matched by at least one changed file, e.g. CHANGELOG.md."),
      })
      .refine((p) => p.labels !== undefined || p.changedFiles !== undefined, {
        message: "a pr check needs labels or changedFiles",
      }),
  appliesTo: ["pull_request"],
  needs: (): Need[] => [{ type: "pullRequest" }],
  evaluate: (p, { facts }) => {
    const fact = facts.get({ type: "pullRequest" });
    if (fact.state === "unknown") return unknownResult(`the pull request could not be read: ${fact.reason}`);
    const pr = fact.value;
    if (pr === null) return unknownResult("the pull request was not found");

    // GitHub treats label names case-insensitively.
    const labels = new Set(pr.labels.map((l) => l.toLowerCase()));
    const rows: Row[] = (p.labels ?? []).map((label) =>
      labels.has(label.toLowerCase())
        ? { state: "ok", good: `labelled ${label}` }
        : { state: "fail", good: "", reason: `missing label ${label}`, fix: `add the label ${label}` },
    );
    for (const glob of p.changedFiles ?? []) {
      const isMatch = globMatcher(glob);
      const hit = pr.changedFiles.find((f) => isMatch(f));
      if (hit) rows.push({ state: "ok", good: `changes ${hit}` });
      else if (pr.changedFilesTruncated) {
        rows.push({
          state: "unknown",
          good: "",
          reason: `GitHub lists only the first ${pr.changedFiles.length} changed files and none of them matches ${glob}`,
        });
      } else {
        rows.push({
          state: "fail",
          good: "",
          reason: `no change to ${glob}`,
          fix: `change ${glob} in this pull request`,
        });
      }
    }

    const { status, credit } = settle(rows);
    const evidence = [link(`pull request #${pr.number}`, pr.url)];
    if (status === "pass") return passed(rows.map((r) => r.good).join(", "), { evidence });
    const failing = rows.filter((r) => r.state === "fail");
    if (status === "unknown") {
      return unknownResult(rows.find((r) => r.state === "unknown")!.reason!, { evidence });
    }
    const fixes = failing.map((r) => r.fix!);
    return failed(failing.map((r) => r.reason!).join("; "), credit, {
      evidence,
      fix: `${joinAnd(fixes).replace(/^./, (c) => c.toUpperCase())}`,
    });
  },
});
