// A release was published: evaluate its tagged commit with the default branch's policy.
import { toReleaseData } from "../lookup.js";
import { defineHandler, jobBase } from "./types.js";

export const releaseHandler = defineHandler({
  events: ["release.published", "release.prereleased"],
  jobs(event) {
    const base = jobBase(event);
    if (!base || event.payload.release.draft) return [];
    return [{ ...base, type: "release", release: toReleaseData(event.payload.release) }];
  },
});
