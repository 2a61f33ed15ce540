// Every check kind, by its key in .readiness.yml. A new kind is one file plus one line here.
import { alertsKind } from "./alerts.js";
import { artifactKind } from "./artifact.js";
import { attestationKind } from "./attestation.js";
import { branchKind } from "./branch.js";
import { fileKind } from "./file.js";
import { prKind } from "./pr.js";
import { releaseKind } from "./release.js";
import { signoffKind } from "./signoff.js";
import { statusKind } from "./status.js";
import type { CheckKind } from "./types.js";
import { workflowKind } from "./workflow.js";

export const kinds = {
  file: fileKind,
  workflow: workflowKind,
  status: statusKind,
  artifact: artifactKind,
  release: releaseKind,
  branch: branchKind,
  alerts: alertsKind,
  signoff: signoffKind,
  pr: prKind,
  attestation: attestationKind,
} as const;

export type KindName = keyof typeof kinds;
export const kindNames = Object.keys(kinds) as KindName[];

export function kindOf(name: KindName): CheckKind<unknown> {
  return kinds[name] as CheckKind<unknown>;
}
