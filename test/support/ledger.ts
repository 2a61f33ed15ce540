// A ledger as the GitHub reader returns it, built from the commands a test wants the App to have recorded.
import type {
  ActorFacts,
  Ledger,
  LedgerCommand,
  LedgerEntry,
  LedgerPullRequest,
} from "../../src/evidence/types.js";

export interface LedgerInput {
  commands?: LedgerCommand[];
  actors?: Record<string, ActorFacts>;
  /** Pull request numbers, or pull requests with their author and head now. */
  pullRequests?: (number | LedgerPullRequest)[];
}

/** One record per command; `edited` marks its comment as edited since. Head shas default to the PR's head. */
export function ledgerFrom({ commands = [], actors = {}, pullRequests = [42] }: LedgerInput): Ledger {
  const prs = pullRequests.map((p) => (typeof p === "number" ? { number: p } : p));
  const entries = commands.map(
    (c, i): LedgerEntry => ({
      record: {
        v: 1,
        comment: i + 1,
        actor: c.actor,
        at: c.at,
        ...(c.headSha ? { sha: c.headSha } : {}),
        commands: [
          {
            verb: c.verb,
            check: c.check,
            ...(c.until ? { until: c.until } : {}),
            ...(c.reason ? { reason: c.reason } : {}),
          },
        ],
      },
      pullRequest: c.pullRequest ?? prs[0]?.number ?? 42,
      tampered: false,
      source: { edited: c.edited === true, ...(c.url ? { url: c.url } : {}) },
    }),
  );
  return { entries, actors, pullRequests: prs };
}
