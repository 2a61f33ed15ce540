// A release was published, or edited (a writer may point it at another tag): evaluate its tagged commit with
// the default branch's policy. A draft is not evaluated (the App turning one back into a draft edits it too).
import { toReleaseData } from "../lookup.js";
import { defineHandler, jobBase } from "./types.js";

export const releaseHandler = defineHandler({
  events: ["release.published", "release.prereleased", "release.edited"],
  jobs(event) {
    const base = jobBase(event);
    if (!base || event.payload.release.draft) return [];
    return [{ ...base, type: "release", release: toReleaseData(event.payload.release) }];
  },
});
