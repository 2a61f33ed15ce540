// A push that changes the policy on a branch: the open release PRs into that branch are judged by a new gate.
import { isPolicyPath } from "../applies.js";
import { defineHandler, jobBase } from "./types.js";

/** GitHub lists at most this many commits in a push payload; a longer push may hide a policy change. */
const LISTED_COMMITS = 20;

export const pushHandler = defineHandler({
  events: ["push"],
  jobs(event) {
    const base = jobBase(event);
    const p = event.payload;
    if (!base || p.deleted || !p.ref.startsWith("refs/heads/")) return [];
    const branch = p.ref.slice("refs/heads/".length);
    const commits = p.commits ?? [];
    const touched = commits.some((c) =>
      [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].some(isPolicyPath),
    );
    if (!touched && commits.length < LISTED_COMMITS) return [];
    return [{ ...base, type: "release_prs", base: branch }];
  },
});
