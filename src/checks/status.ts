import { z } from "zod";
import type { CheckRunSummary, CommitStatus, Need } from "../evidence/types.js";
import { failed, link, passed, pendingResult, shortSha, unknownResult } from "./common.js";
import { ALL_CONTEXTS, defineKind, type KindResult } from "./types.js";

const schema = z.strictObject({
  name: z.string().min(1).describe("Check run name or commit status context."),
  conclusions: z
    .array(z.string().min(1))
    .min(1)
    .default(["success"])
    .describe("Conclusions (check runs) or states (statuses) that count as success."),
});
type Params = z.output<typeof schema>;

/** A check run or a commit status, reduced to what decides the check. */
interface Report {
  source: "check run" | "status";
  /** When it last changed; a check run still going is the newest there is. */
  at: number;
  running: boolean;
  /** Conclusion or state. */
  outcome: string | null;
  url?: string;
}

const time = (iso: string | null | undefined): number => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

const fromCheckRun = (r: CheckRunSummary): Report => ({
  source: "check run",
  at: r.status === "completed" ? time(r.completedAt) : Number.POSITIVE_INFINITY,
  running: r.status !== "completed",
  outcome: r.conclusion,
  ...(r.url ? { url: r.url } : {}),
});

const fromStatus = (s: CommitStatus): Report => ({
  source: "status",
  at: time(s.updatedAt),
  running: s.state === "pending",
  outcome: s.state,
  ...(s.url ? { url: s.url } : {}),
});

/** Newest wins; on equal (or unknown) times the one listed first, as GitHub lists newest first. */
function latest(reports: Report[]): Report | undefined {
  let best: Report | undefined;
  for (const r of reports) if (!best || r.at > best.at) best = r;
  return best;
}

function judge(p: Params, r: Report, at: string): KindResult {
  const evidence = [link(`${p.name} (${r.source})`, r.url)];
  if (r.running) return pendingResult(`${p.name} is still running on ${at}`, 0, { evidence });
  if (r.outcome !== null && p.conclusions.includes(r.outcome)) {
    return passed(`${p.name} succeeded on ${at}`, { evidence });
  }
  const word = r.source === "status" ? "state" : "conclusion";
  return failed(`${p.name} did not succeed on ${at} (${word}: ${r.outcome ?? "none"})`, 0, {
    evidence,
    fix: `Fix what ${p.name} reports and run it again`,
  });
}

export const statusKind = defineKind({
  name: "status",
  description:
    "A check run or commit status with this name succeeded on the evaluated commit (CI outside GitHub Actions).",
  schema,
  appliesTo: ALL_CONTEXTS,
  needs: (): Need[] => [{ type: "checkRuns" }, { type: "statuses" }],
  evaluate: (p, { facts, target }) => {
    const at = shortSha(target.sha);
    const runs = facts.get({ type: "checkRuns" });
    const statuses = facts.get({ type: "statuses" });
    const reports = [
      ...(runs.state === "ok" ? runs.value.filter((r) => r.name === p.name).map(fromCheckRun) : []),
      ...(statuses.state === "ok" ? statuses.value.filter((s) => s.context === p.name).map(fromStatus) : []),
    ];
    const found = latest(reports);
    const missing = [runs, statuses].find((f) => f.state === "unknown");
    if (missing?.state === "unknown") {
      // What could not be read might hold a newer report, so only a pass from the other source decides.
      if (found) {
        const result = judge(p, found, at);
        if (result.status === "pass") return result;
      }
      const which = runs.state === "unknown" ? "check runs" : "commit statuses";
      return unknownResult(`the ${which} of ${at} could not be read: ${missing.reason}`);
    }
    if (!found) {
      return failed(`no check run or status named ${p.name} on ${at}`, 0, {
        fix: `Make sure ${p.name} reports on this commit (names are case-sensitive)`,
      });
    }
    return judge(p, found, at);
  },
});
