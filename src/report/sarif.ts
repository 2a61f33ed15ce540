// `--format sarif`: SARIF 2.1.0 for code scanning (github/codeql-action/upload-sarif). One rule per check of
// the policy, one result per check that is not passing, located at the files its failure names or at its
// definition in the policy. Validated against the SARIF 2.1.0 JSON Schema in test/report/sarif.test.ts.
import type { Report } from "../engine/types.js";
import { oneLine, VERDICT_LABEL } from "./common.js";
import { actionable, type LocationOptions, levelOf, locationsOf } from "./locations.js";

export interface SarifOptions extends LocationOptions {
  /** The readiness package's version, as the tool's. */
  toolVersion?: string;
}

/** A relative URI reference: encodeURI leaves # and ?, which would end the path. */
const fileUri = (path: string): string => encodeURI(path).replace(/#/g, "%23").replace(/\?/g, "%3F");

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export function toSarif(report: Report, opts: SarifOptions = {}): Record<string, unknown> {
  const ruleIndex = new Map(report.checks.map((c, i) => [c.id, i]));
  const rules = report.checks.map((c) => ({
    id: c.id,
    name: c.title,
    shortDescription: { text: oneLine(c.title) || c.id },
    ...(c.fix ? { help: { text: oneLine(c.fix) } } : {}),
    defaultConfiguration: { level: c.required ? "error" : "warning" },
    properties: { category: c.category, kind: c.kind, required: c.required, weight: c.weight },
  }));
  const results = actionable(report).map((c) => {
    const text = `${oneLine(c.title)}: ${oneLine(c.summary)}${c.fix ? ` Fix: ${oneLine(c.fix)}` : ""}`;
    return {
      ruleId: c.id,
      ruleIndex: ruleIndex.get(c.id)!,
      level: levelOf(c, report),
      message: { text },
      locations: locationsOf(c, opts).map((l) => ({
        physicalLocation: {
          artifactLocation: { uri: fileUri(l.path), uriBaseId: "%SRCROOT%" },
          ...(l.line !== undefined ? { region: { startLine: l.line } } : {}),
        },
      })),
      // Code scanning tracks an alert across commits by this, not by the line, which moves.
      partialFingerprints: { readinessCheck: c.id },
      properties: { status: c.status, credit: c.credit, required: c.required },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Readiness Gate",
            ...(opts.toolVersion ? { version: opts.toolVersion, semanticVersion: opts.toolVersion } : {}),
            rules,
          },
        },
        invocations: [{ executionSuccessful: true, endTimeUtc: report.evaluatedAt }],
        results,
        properties: {
          verdict: VERDICT_LABEL[report.verdict],
          score: report.score,
          minScore: report.minScore,
          mode: report.mode,
          incomplete: report.incomplete,
          blocking: [...report.blocking],
        },
      },
    ],
  };
}

export function renderSarif(report: Report, opts: SarifOptions = {}): string {
  return `${JSON.stringify(toSarif(report, opts), null, 2)}\n`;
}
