// "Re-run all checks" on a suite of this App's.
import { defineHandler, jobBase } from "./types.js";

export const checkSuiteHandler = defineHandler({
  events: ["check_suite.rerequested"],
  jobs(event, env) {
    const base = jobBase(event);
    const suite = event.payload.check_suite;
    if (!base || suite.app?.id !== env.appId) return [];
    return [
      {
        ...base,
        type: "rerun",
        sha: suite.head_sha,
        prNumbers: (suite.pull_requests ?? []).map((pr) => pr.number),
      },
    ];
  },
});
