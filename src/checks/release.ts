import { z } from "zod";
import { globList } from "./common.js";
import { defineKind } from "./types.js";

export const releaseKind = defineKind({
  name: "release",
  description:
    "The release being evaluated has assets matching each glob (SBOM, signatures, provenance); partial credit = share matched.",
  schema: z.strictObject({
    assets: globList.describe("Asset name globs, e.g. '*.sig', '*.spdx.json'."),
  }),
  appliesTo: ["release", "deployment"],
  needs: () => {
    throw new Error("not implemented");
  },
  evaluate: () => {
    throw new Error("not implemented");
  },
});
