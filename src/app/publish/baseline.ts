// The base branch's score, read from this App's own check run on the base branch's head: "+5.4 vs main"
// without a database. One request (GET .../commits/{branch}/check-runs, filtered by name and app id), which the
// ETag cache answers with a 304 (not charged) while the base branch's run is unchanged.
//
// Trust: anyone who can run an App or a workflow on the repository can create a check run of any name, so only
// a run created by this App (app.id checked on the answer, not only asked for) counts. A run that is absent,
// foreign, unfinished or whose title carries no score gives no delta; so does a failed request. The delta only
// ever labels a report: it never changes a verdict.

import { scoreFromTitle } from "../../report/check-run.js";
import type { Baseline } from "../../report/common.js";
import { parseRunTag } from "../jobs.js";
import type { AppOctokit } from "../octokit.js";

export interface BaselineLocation {
  owner: string;
  repo: string;
  /** The check run's name (the gate's checkName). */
  name: string;
  appId: number;
  /** The base branch. */
  ref: string;
}

export async function baseBranchScore(octokit: AppOctokit, loc: BaselineLocation): Promise<Baseline | null> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: loc.owner,
      repo: loc.repo,
      ref: loc.ref,
      check_name: loc.name,
      app_id: loc.appId,
      filter: "latest",
      per_page: 10,
    });
    // Judged against this very branch's policy: a PR from the branch's head commit into another branch
    // (whose policy may be lenient) writes a run on the same commit, which must not pass for the branch's score.
    const run = data.check_runs.find(
      (r) =>
        r.name === loc.name &&
        r.app?.id === loc.appId &&
        r.status === "completed" &&
        judgedAgainst(r.external_id, loc.ref),
    );
    const score = scoreFromTitle(run?.output?.title);
    return score === null ? null : { score, ref: loc.ref };
  } catch {
    return null;
  }
}

function judgedAgainst(externalId: string | null | undefined, ref: string): boolean {
  const tag = parseRunTag(externalId);
  if (tag?.context !== "pull_request") return false;
  return tag.base === ref || tag.queue?.base === ref;
}
