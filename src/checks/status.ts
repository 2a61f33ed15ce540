import { z } from "zod";
import type { CheckRunSummary, CommitStatus, Need } from "../evidence/types.js";
import { failed, link, passed, pendingResult, shortSha, unknownResult } from "./common.js";
import { ALL_CONTEXTS, defineKind, type EvalInput, type KindResult } from "./types.js";

const schema = () =>
  z.strictObject({
    name: z.string().min(1).describe("Check run name or commit status context."),
    conclusions: z
      .array(z.string().min(1))
      .min(1)
      .default(["success"])
      .describe("Conclusions (check runs) or states (statuses) that count as success."),
    app: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Only check runs posted by this GitHub App (its slug, e.g. github-actions) count. Recommended: unpinned, anyone with write access can post the name.",
      ),
    creator: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Only commit statuses posted by this account (login, e.g. ci-bot or my-app[bot]) count. Recommended, like app.",
      ),
  });
type Params = z.output<ReturnType<typeof schema>>;

/** A check run or a commit status, reduced to what decides the check. */
interface Report {
  source: "check run" | "status";
  /** App slug (check run) or creator login (status), when known. */
  by?: string;
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
  ...(r.app ? { by: r.app } : {}),
  ...(r.url ? { url: r.url } : {}),
});

const fromStatus = (s: CommitStatus): Report => ({
  source: "status",
  at: time(s.updatedAt),
  running: s.state === "pending",
  outcome: s.state,
  ...(s.creator ? { by: s.creator } : {}),
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

const pinned = (p: Params): boolean => p.app !== undefined || p.creator !== undefined;

/** GitHub compares logins and slugs case-insensitively. */
const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** "check runs from app ci-app or statuses from ci-bot" */
function sourceWords(p: Params): string {
  const parts: string[] = [];
  if (p.app !== undefined) parts.push(`check runs from app ${p.app}`);
  if (p.creator !== undefined) parts.push(`statuses from ${p.creator}`);
  return parts.join(" or ");
}

const UNPINNED = (name: string) =>
  `unpinned: anyone with write access can post a status named ${name}; pin its source with app: or creator:`;

/** Adds to a result the note a person needs to weigh it: what was ignored, or that anything counts. */
function annotate(result: KindResult, p: Params, ignored: Report[]): KindResult {
  if (!pinned(p)) {
    if (result.status === "pass") return { ...result, summary: `${result.summary} (${UNPINNED(p.name)})` };
    return { ...result, details: [...(result.details ?? []), UNPINNED(p.name)] };
  }
  if (ignored.length === 0) return result;
  const who = [...new Set(ignored.map((r) => `${r.source} from ${r.by ?? "an unknown source"}`))];
  const note = `ignored ${ignored.length === 1 ? "a" : ignored.length} ${p.name} report${ignored.length === 1 ? "" : "s"} from other sources (${who.join(", ")})`;
  return { ...result, details: [...(result.details ?? []), note] };
}

const STATUS_NEED = (p: Params): Need =>
  p.creator !== undefined ? { type: "statuses", creators: true } : { type: "statuses" };

export const statusKind = defineKind({
  name: "status",
  description:
    "A check run or commit status with this name succeeded on the evaluated commit (CI outside GitHub Actions); pin its source with app or creator, or anyone with write access can post it.",
  schema,
  appliesTo: ALL_CONTEXTS,
  needs: (p): Need[] => [{ type: "checkRuns" }, STATUS_NEED(p)],
  evaluate: (p, input) => annotated(p, input),
});

function annotated(p: Params, { facts, target }: EvalInput): KindResult {
  const at = shortSha(target.sha);
  const runs = facts.get({ type: "checkRuns" });
  const statuses = facts.get(STATUS_NEED(p) as { type: "statuses" });
  const all = [
    ...(runs.state === "ok" ? runs.value.filter((r) => r.name === p.name).map(fromCheckRun) : []),
    ...(statuses.state === "ok" ? statuses.value.filter((s) => s.context === p.name).map(fromStatus) : []),
  ];
  // Pinned: a check run counts only from that app, a status only from that creator; a check run or status
  // any writer (or any other app) posted under the same name is set aside, and said so.
  const fromSource = (r: Report) =>
    !pinned(p) || (r.source === "check run" ? same(r.by, p.app) : same(r.by, p.creator));
  const reports = all.filter(fromSource);
  const ignored = all.filter((r) => !fromSource(r));
  const found = latest(reports);
  // A source the pin excludes cannot change the answer, so its being unreadable does not matter.
  const relevant = [
    ...(!pinned(p) || p.app !== undefined ? [runs] : []),
    ...(!pinned(p) || p.creator !== undefined ? [statuses] : []),
  ];
  const missing = relevant.find((f) => f.state === "unknown");
  if (missing?.state === "unknown") {
    // What could not be read might hold a newer report, so only a pass from the other source decides.
    if (found) {
      const result = judge(p, found, at);
      if (result.status === "pass") return annotate(result, p, ignored);
    }
    const which = missing === runs ? "check runs" : "commit statuses";
    return annotate(unknownResult(`the ${which} of ${at} could not be read: ${missing.reason}`), p, ignored);
  }
  if (!found) {
    if (pinned(p)) {
      const others = ignored.length > 0 ? `; only from other sources, which do not count` : "";
      return annotate(
        failed(`no ${sourceWords(p)} named ${p.name} on ${at}${others}`, 0, {
          fix: `Make sure ${p.name} reports on this commit from its pinned source (names are case-sensitive)`,
        }),
        p,
        ignored,
      );
    }
    return annotate(
      failed(`no check run or status named ${p.name} on ${at}`, 0, {
        fix: `Make sure ${p.name} reports on this commit (names are case-sensitive)`,
      }),
      p,
      ignored,
    );
  }
  return annotate(judge(p, found, at), p, ignored);
}
