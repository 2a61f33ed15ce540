import { z } from "zod";
import type { ArtifactFile, Fact, Need, NeedOf, WorkflowChanges } from "../evidence/types.js";
import { failed, joinAnd, link, passed, shortSha, unknownResult, workflowRef } from "./common.js";
import { ALL_CONTEXTS, defineKind, type KindResult } from "./types.js";

const jsonAssertion = z
  .strictObject({
    file: z.string().min(1).describe("JSON file inside the artifact."),
    path: z.string().min(1).describe("Dotted path to the figure, e.g. metrics.p95_ms or results.0.passed."),
    below: z.number().optional().describe("The figure must be strictly below this."),
    atMost: z.number().optional().describe("The figure must be at most this."),
    atLeast: z.number().optional().describe("The figure must be at least this."),
    above: z.number().optional().describe("The figure must be strictly above this."),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional().describe("The value must equal this."),
  })
  .refine((j) => [j.below, j.atMost, j.atLeast, j.above, j.equals].some((v) => v !== undefined), {
    message: "a json assertion needs one of below, atMost, atLeast, above, equals",
  });
type Assertion = z.output<typeof jsonAssertion>;

const schema = z.strictObject({
  workflow: z.string().min(1).describe("Workflow file (load.yml) or name."),
  name: z.string().min(1).describe("Artifact name."),
  branch: z
    .string()
    .min(1)
    .optional()
    .describe("Take the latest successful run on this branch instead of the evaluated commit."),
  json: jsonAssertion.optional(),
});
type Params = z.output<typeof schema>;

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
    "A workflow run produced an artifact; optionally a JSON file inside it satisfies a comparison (coverage, latency SLOs, drill results).",
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
    const a = p.json;
    if (!a) return passed(`artifact ${from} is present`, { evidence });

    if (art.content === null) {
      return failed(`artifact ${from} holds no file ${a.file}`, 0, {
        evidence,
        fix: `Include ${a.file} in the ${p.name} artifact`,
      });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(art.content);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return failed(`${a.file} in artifact ${p.name} is not valid JSON: ${why}`, 0, {
        evidence,
        fix: `Make ${p.workflow} write valid JSON to ${a.file}`,
      });
    }
    const hit = resolve(doc, a.path);
    if (!hit.found) {
      return failed(`${a.path} not found in ${a.file} of artifact ${p.name}`, 0, {
        evidence,
        fix: `Check the json path ${a.path} against ${a.file}`,
      });
    }
    const verdict = holds(a, hit.value);
    const summary = `${a.path} = ${show(hit.value)} (${requirement(a)})`;
    if (verdict.ok) return passed(summary, { evidence });
    if (verdict.why)
      return failed(`${a.path} = ${show(hit.value)} is ${verdict.why} (${requirement(a)})`, 0, { evidence });
    return failed(summary, 0, { evidence });
  },
});
