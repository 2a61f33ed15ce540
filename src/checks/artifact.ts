import { z } from "zod";
import type { ArtifactFile, Fact, Need, NeedOf, WorkflowChanges } from "../evidence/types.js";
import {
  failed,
  joinAnd,
  link,
  type Part,
  passed,
  plural,
  settle,
  shortSha,
  unknownResult,
  workflowRef,
} from "./common.js";
import { ALL_CONTEXTS, defineKind, type EvidenceLink, type KindResult } from "./types.js";

/** Built with the kind's schema (see defineKind): nothing here is built when the module loads. */
const comparisons = () => ({
  below: z.number().optional().describe("The figure must be strictly below this."),
  atMost: z.number().optional().describe("The figure must be at most this."),
  atLeast: z.number().optional().describe("The figure must be at least this."),
  above: z.number().optional().describe("The figure must be strictly above this."),
  equals: z.union([z.string(), z.number(), z.boolean()]).optional().describe("The value must equal this."),
});
const COMPARISONS = ["below", "atMost", "atLeast", "above", "equals"] as const;
const NEEDS_COMPARISON = "a json assertion needs one of below, atMost, atLeast, above, equals";
const PATH = "Dotted path to the figure, e.g. metrics.p95_ms or results.0.passed.";
const LABEL = 'What the figure is, for the report: "branch coverage".';

const hasComparison = (a: Partial<Record<(typeof COMPARISONS)[number], unknown>>): boolean =>
  COMPARISONS.some((k) => a[k] !== undefined);

/** One target of a table: `{ path: totals.branches, atLeast: 90, label: branch coverage }`. */
const target = (c: ReturnType<typeof comparisons>) =>
  z
    .strictObject({
      path: z.string().min(1).describe(PATH),
      label: z.string().min(1).optional().describe(LABEL),
      ...c,
    })
    .refine(hasComparison, { message: NEEDS_COMPARISON });

// Either one figure (path and comparison beside file, the original form) or a table of them under `assert`.
function jsonAssertion() {
  const c = comparisons();
  return z
    .strictObject({
      file: z.string().min(1).describe("JSON file inside the artifact."),
      path: z.string().min(1).optional().describe(`${PATH} One figure; for several, use assert.`),
      label: z.string().min(1).optional().describe(LABEL),
      ...c,
      assert: z
        .array(target(c))
        .min(1)
        .optional()
        .describe(
          "Several targets read from the same file, each reported; the check's credit is the share that holds.",
        ),
    })
    .superRefine((j, ctx) => {
      if (j.assert !== undefined) {
        for (const key of ["path", "label", ...COMPARISONS] as const) {
          if (j[key] !== undefined)
            ctx.addIssue({
              code: "custom",
              path: [key],
              message: `with assert, ${key} goes inside each entry of the list, not beside file`,
            });
        }
        return;
      }
      if (j.path === undefined)
        ctx.addIssue({
          code: "custom",
          message: "a json assertion needs path (one figure) or assert (a list of them)",
        });
      else if (!hasComparison(j)) ctx.addIssue({ code: "custom", message: NEEDS_COMPARISON });
    });
}
type Assertion = z.output<ReturnType<typeof target>>;

const schema = () =>
  z.strictObject({
    workflow: z.string().min(1).describe("Workflow file (load.yml) or name."),
    name: z.string().min(1).describe("Artifact name."),
    branch: z
      .string()
      .min(1)
      .optional()
      .describe("Take the latest successful run on this branch instead of the evaluated commit."),
    json: jsonAssertion().optional(),
  });
type Params = z.output<ReturnType<typeof schema>>;

const artifactNeed = (p: Params): NeedOf<"artifactFile"> => ({
  type: "artifactFile",
  workflow: workflowRef(p.workflow),
  artifact: p.name,
  file: p.json?.file ?? "",
  ...(p.branch !== undefined ? { branch: p.branch } : {}),
});

type Resolved = { found: true; value: unknown } | { found: false };

/** `results.0.passed`: numeric segments index arrays, others name object keys (own keys only). */
function resolve(doc: unknown, path: string): Resolved {
  let cur: unknown = doc;
  for (const seg of path.split(".")) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      const i = Number(seg);
      if (i >= cur.length) return { found: false };
      cur = cur[i];
    } else if (cur !== null && typeof cur === "object" && !Array.isArray(cur) && Object.hasOwn(cur, seg)) {
      cur = (cur as Record<string, unknown>)[seg];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

// Lower bounds first, so a range reads "at least 100 and below 250".
const NUMERIC = [
  ["above", "above", (v: number, t: number) => v > t],
  ["atLeast", "at least", (v: number, t: number) => v >= t],
  ["atMost", "at most", (v: number, t: number) => v <= t],
  ["below", "below", (v: number, t: number) => v < t],
] as const;

/** "must be at least 0.8 and below 1" */
function requirement(a: Assertion): string {
  const parts: string[] = NUMERIC.filter(([key]) => a[key] !== undefined).map(
    ([key, words]) => `${words} ${a[key]}`,
  );
  if (a.equals !== undefined) parts.push(`equal to ${JSON.stringify(a.equals)}`);
  return `must be ${joinAnd(parts)}`;
}

function holds(a: Assertion, value: unknown): { ok: true } | { ok: false; why?: string } {
  const numeric = NUMERIC.filter(([key]) => a[key] !== undefined);
  if (numeric.length > 0) {
    if (typeof value !== "number" || !Number.isFinite(value)) return { ok: false, why: "not a number" };
    if (!numeric.every(([key, , test]) => test(value, a[key]!))) return { ok: false };
  }
  if (a.equals !== undefined && value !== a.equals) return { ok: false };
  return { ok: true };
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

interface Outcome extends Part {
  a: Assertion;
  /** "branch coverage = 71, must be at least 90" */
  short: string;
  /** One line of details. */
  line: string;
}

/** A figure the file does not report (absent or null) is unknown: it was not measured, so it never passes. */
function judge(doc: unknown, a: Assertion, file: string): Outcome {
  const name = a.label ?? a.path;
  const where = a.label ? `${a.label} (${a.path})` : a.path;
  const hit = resolve(doc, a.path);
  if (!hit.found || hit.value === null) {
    const why = hit.found ? "is null" : `is not in ${file}`;
    return { a, state: "unknown", short: name, line: `not reported: ${where} ${why} (${requirement(a)})` };
  }
  const v = show(hit.value);
  const verdict = holds(a, hit.value);
  if (verdict.ok) return { a, state: "ok", short: name, line: `met: ${where} = ${v} (${requirement(a)})` };
  const actual = verdict.why ? `${v}, ${verdict.why}` : v;
  return {
    a,
    state: "fail",
    short: `${name} = ${actual}, ${requirement(a)}`,
    line: `missed: ${where} = ${actual} (${requirement(a)})`,
  };
}

/** A table of targets: each reported on its own line; the credit is the share met (see settle). */
function table(p: Params, file: string, list: readonly Assertion[], doc: unknown, evidence: EvidenceLink[]) {
  const outcomes = list.map((a) => judge(doc, a, file));
  const { status, credit } = settle(outcomes);
  const met = outcomes.filter((o) => o.state === "ok").length;
  const missed = outcomes.filter((o) => o.state === "fail");
  const absent = outcomes.filter((o) => o.state === "unknown");
  const parts = [`${met} of ${plural(outcomes.length, "target")} met in ${file} of artifact ${p.name}`];
  if (missed.length > 0) parts.push(`missed: ${capJoin(missed.map((o) => o.short))}`);
  if (absent.length > 0) parts.push(`not reported: ${capJoin(absent.map((o) => o.short))}`);
  const summary = parts.join("; ");
  const details = outcomes.map((o) => o.line);
  if (status === "pass") return passed(summary, { details, evidence });
  if (status === "fail") return failed(summary, credit, { details, evidence });
  return unknownResult(summary, {
    details,
    evidence,
    fix: `Make ${p.workflow} write ${joinAnd(absent.map((o) => o.a.path))} to ${file}, or correct the path`,
  });
}

/** At most three items in a summary line; the details list every one. */
const capJoin = (items: readonly string[]): string =>
  items.length <= 3 ? items.join("; ") : `${items.slice(0, 3).join("; ")} and ${items.length - 3} more`;

const CHANGES: NeedOf<"workflowChanges"> = { type: "workflowChanges" };

/**
 * An artifact uploaded by a run of a workflow file the change rewrote is whatever the change wrote into it (a
 * coverage figure, a test summary): not evidence. Unknown when the comparison could not be made.
 */
function notEvidence(
  p: Params,
  art: ArtifactFile,
  changes: Fact<WorkflowChanges>,
  at: string,
): KindResult | undefined {
  if (changes.state === "unknown")
    return unknownResult(
      `artifact ${p.name}: whether this change rewrote ${p.workflow} could not be read: ${changes.reason}`,
    );
  const ref = workflowRef(p.workflow);
  const file =
    art.runPath ??
    (ref.file ? changes.value.changed.find((c) => c === ref.file || c.endsWith(`/${ref.file}`)) : undefined);
  if (file === undefined && ref.file === undefined && changes.value.changed.length > 0)
    return unknownResult(
      `artifact ${p.name}: the file of the ${p.workflow} run that uploaded it is not known, and this change rewrote ${joinAnd(changes.value.changed)}`,
    );
  if (file === undefined || !changes.value.changed.includes(file)) return undefined;
  const base = changes.value.base ?? "the base branch";
  return failed(
    `artifact ${p.name} comes from a run of ${file}, which differs from ${base}'s copy, so it is not evidence: the run on ${at} executed the changed file, which the change itself wrote`,
    0,
    {
      evidence: [link(`${p.workflow} run (not counted)`, art.runUrl)],
      fix: `Merge the change to ${file} into ${base} on its own first (then update this branch), or have a maintainer waive this check`,
    },
  );
}

export const artifactKind = defineKind({
  name: "artifact",
  description:
    "A workflow run produced an artifact; optionally a JSON file inside it meets one target or a table of them (coverage, latency SLOs, drill results), with partial credit for the share met.",
  schema,
  appliesTo: ALL_CONTEXTS,
  // An artifact of a run on a named branch comes from that branch's workflow file, not the change's.
  needs: (p): Need[] => (p.branch !== undefined ? [artifactNeed(p)] : [artifactNeed(p), CHANGES]),
  evaluate: (p, { facts, target }) => {
    const from = `${p.name} from ${p.workflow}${p.branch !== undefined ? ` on ${p.branch}` : ""}`;
    const fact = facts.get(artifactNeed(p));
    if (fact.state === "unknown") return unknownResult(`artifact ${from} could not be read: ${fact.reason}`);
    const art = fact.value;
    if (art === null) {
      return failed(`no artifact ${from}`, 0, {
        fix: `Make ${p.workflow} upload an artifact named ${p.name} (actions/upload-artifact)`,
      });
    }
    const evidence = [link(`${p.workflow} run`, art.runUrl)];
    if (p.branch === undefined) {
      const forged = notEvidence(p, art, facts.get(CHANGES), shortSha(target.sha));
      if (forged) return forged;
    }
    const j = p.json;
    if (!j) return passed(`artifact ${from} is present`, { evidence });

    if (art.content === null) {
      return failed(`artifact ${from} holds no file ${j.file}`, 0, {
        evidence,
        fix: `Include ${j.file} in the ${p.name} artifact`,
      });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(art.content);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return failed(`${j.file} in artifact ${p.name} is not valid JSON: ${why}`, 0, {
        evidence,
        fix: `Make ${p.workflow} write valid JSON to ${j.file}`,
      });
    }
    if (j.assert) return table(p, j.file, j.assert, doc, evidence);

    // One figure is a table of one: absent or null is "not reported" (unknown), as in a table.
    const a = j as Assertion;
    const named = a.label ? `${a.label}: ${a.path}` : a.path;
    const hit = resolve(doc, a.path);
    if (!hit.found || hit.value === null) {
      const why = hit.found ? "is null" : "is not reported";
      return unknownResult(`${named} ${why} in ${j.file} of artifact ${p.name} (${requirement(a)})`, {
        evidence,
        fix: `Make ${p.workflow} write ${a.path} to ${j.file}, or correct the path`,
      });
    }
    const verdict = holds(a, hit.value);
    const summary = `${named} = ${show(hit.value)} (${requirement(a)})`;
    if (verdict.ok) return passed(summary, { evidence });
    if (verdict.why)
      return failed(`${named} = ${show(hit.value)} is ${verdict.why} (${requirement(a)})`, 0, { evidence });
    return failed(summary, 0, { evidence });
  },
});
