// A push that changes the policy on a branch: the open release PRs into that branch are judged by a new gate.
// A push to a tag (created, or moved by force): the release of that tag, if any, is evaluated on its new commit.
import { isPolicyPath } from "../applies.js";
import { defineHandler, jobBase } from "./types.js";

/** GitHub lists at most this many commits in a push payload; a longer push may hide a policy change. */
const LISTED_COMMITS = 20;

export const pushHandler = defineHandler({
  events: ["push"],
  jobs(event) {
    const base = jobBase(event);
    const p = event.payload;
    if (!base || p.deleted) return [];
    if (p.ref.startsWith("refs/tags/"))
      return [{ ...base, type: "release_tag", tag: p.ref.slice("refs/tags/".length) }];
    if (!p.ref.startsWith("refs/heads/")) return [];
    const branch = p.ref.slice("refs/heads/".length);
    const commits = p.commits ?? [];
    const touched = commits.some((c) =>
      [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].some(isPolicyPath),
    );
    if (!touched && commits.length < LISTED_COMMITS) return [];
    return [{ ...base, type: "release_prs", base: branch }];
  },
});
