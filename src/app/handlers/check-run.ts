// "Re-run" on the App's check run, or its "Re-evaluate" button. With checks: write GitHub sends every app's
// check_run events, so runs of other apps are ignored.
import { REEVALUATE_ACTION } from "../publish/check-run.js";
import { defineHandler, jobBase } from "./types.js";

export const checkRunHandler = defineHandler({
  events: ["check_run.rerequested", "check_run.requested_action"],
  jobs(event, env) {
    const base = jobBase(event);
    const run = event.payload.check_run;
    if (!base || run.app?.id !== env.appId) return [];
    if (
      event.payload.action === "requested_action" &&
      event.payload.requested_action?.identifier !== REEVALUATE_ACTION.identifier
    )
      return [];
    return [
      {
        ...base,
        type: "rerun",
        sha: run.head_sha,
        ...(run.external_id ? { externalId: run.external_id } : {}),
        prNumbers: (run.pull_requests ?? []).map((pr) => pr.number),
      },
    ];
  },
});
