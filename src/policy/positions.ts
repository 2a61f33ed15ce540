// Where a policy file defines each check, so a report can point annotations at the line (SARIF, workflow
// commands). Pure: text in, lines out.
import { locate, readYaml } from "./yaml-source.js";

export interface PolicyPositions {
  /** The policy file as the report names it: relative to the repository root. */
  path: string;
  /** Line of `checks.<id>:` in this file; undefined for a check it does not define (a preset's). */
  line(checkId: string): number | undefined;
  /** Line of `extends:`, where a preset's checks come from. */
  extendsLine?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function policyPositions(text: string, path: string): PolicyPositions {
  const { source } = readYaml(text, path);
  const data = isRecord(source?.data) ? source.data : {};
  const checks = isRecord(data.checks) ? data.checks : {};
  const positions: PolicyPositions = {
    path,
    line: (id) =>
      source && Object.hasOwn(checks, id) ? locate(source, ["checks", id], "key").line : undefined,
  };
  if (source && data.extends !== undefined) positions.extendsLine = locate(source, ["extends"], "key").line;
  return positions;
}
