// The merge queue asks for the required checks on its merge commit. Without an answer the queue stalls, so the
// commit is evaluated like the pull request it queues (targets/merge-group.ts); which pull request, and into
// which base, is read from the queue's branch name and base ref here.
import { defineHandler, jobBase } from "./types.js";

/** `refs/heads/gh-readonly-queue/<base>/pr-<number>-<sha>`: the base may itself hold slashes. */
const QUEUE_REF = /^refs\/heads\/gh-readonly-queue\/(.+)\/pr-(\d+)-[0-9a-f]{40}$/;

/** The queued pull request's number, or undefined when the branch is not named the way GitHub names it. */
export function queuedPullRequest(headRef: string, base: string): number | undefined {
  const m = QUEUE_REF.exec(headRef);
  if (!m || m[1] !== base) return undefined;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export const mergeGroupHandler = defineHandler({
  events: ["merge_group.checks_requested"],
  jobs(event) {
    const base = jobBase(event);
    const group = event.payload.merge_group;
    if (!base || !group?.head_sha || !group.base_ref?.startsWith("refs/heads/")) return [];
    const branch = group.base_ref.slice("refs/heads/".length);
    const number = queuedPullRequest(group.head_ref ?? "", branch);
    return [
      {
        ...base,
        type: "merge_group",
        sha: group.head_sha,
        base: branch,
        headRef: group.head_ref ?? "",
        ...(number !== undefined ? { number } : {}),
      },
    ];
  },
});
