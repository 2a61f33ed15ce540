// A release PR changed: opened, new commits, reopened, out of draft, labels, or a new base branch.
import { toPullRequestData } from "../lookup.js";
import { defineHandler, jobBase } from "./types.js";

export const pullRequestHandler = defineHandler({
  events: [
    "pull_request.opened",
    "pull_request.synchronize",
    "pull_request.reopened",
    "pull_request.ready_for_review",
    "pull_request.labeled",
    "pull_request.unlabeled",
    "pull_request.edited",
  ],
  jobs(event) {
    const base = jobBase(event);
    const { payload } = event;
    if (!base) return [];
    // A title or body edit changes nothing the gate reads; a new base branch changes the policy.
    if (payload.action === "edited" && !("changes" in payload && payload.changes?.base)) return [];
    const pr = toPullRequestData(payload.pull_request);
    return [
      {
        ...base,
        type: "pull_request",
        number: pr.number,
        sha: pr.headSha,
        pr,
        // Without the label, or on another base, the PR may have left the gate: its old result must go.
        mayLeaveGate: payload.action === "unlabeled" || payload.action === "edited",
        ...(payload.action === "edited" ? { retargeted: true } : {}),
      },
    ];
  },
});
