// The JSON report contract as a zod schema, mirroring docs/report-format.md field for field.
// Strict objects: a field added to the output without being documented here fails the tests.
import { z } from "zod";

const status = z.enum(["pass", "fail", "waived", "skipped", "pending", "unknown", "error"]);
const score = z.number().min(0).max(100);

export const JsonWaiverSchema = z.strictObject({
  check: z.string(),
  source: z.enum(["policy", "comment"]),
  reason: z.string(),
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  approvedBy: z.string().nullable(),
  url: z.string().nullable(),
  state: z.enum(["applied", "expired", "unused", "refused", "unknown-check"]),
});

export const JsonCheckSchema = z.strictObject({
  id: z.string().min(1),
  title: z.string(),
  category: z.string().min(1),
  kind: z.string().min(1),
  required: z.boolean(),
  // 0: a gate item (required, must pass, does not count in the score).
  weight: z.number().min(0),
  status,
  credit: z.number().min(0).max(1),
  summary: z.string(),
  details: z.array(z.string()),
  evidence: z.array(z.strictObject({ label: z.string(), url: z.string().nullable() })),
  fix: z.string().nullable(),
  waiver: JsonWaiverSchema.nullable(),
  waivable: z.boolean(),
  cost: score,
});

export const JsonReportSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    verdict: z.enum(["go", "no-go", "pending"]),
    score,
    minScore: score,
    mode: z.enum(["block", "warn"]),
    level: z.string().nullable(),
    incomplete: z.boolean(),
    conclusive: z.boolean(),
    evaluatedAt: z.iso.datetime(),
    target: z.strictObject({
      context: z.enum(["pull_request", "release", "deployment", "local"]),
      repository: z.string().nullable(),
      sha: z.string().nullable(),
      ref: z.string().nullable(),
      pullRequest: z.number().int().nullable(),
      release: z.string().nullable(),
      environment: z.string().nullable(),
    }),
    categories: z.array(
      z.strictObject({
        id: z.string(),
        title: z.string(),
        weight: z.number().positive(),
        score: score.nullable(),
        checks: z.number().int().min(0),
      }),
    ),
    levels: z.array(
      z.strictObject({
        id: z.string().min(1),
        minScore: score,
        require: z.array(z.string()),
        reached: z.boolean(),
        missing: z.array(z.string()),
      }),
    ),
    checks: z.array(JsonCheckSchema),
    blocking: z.array(z.string()),
    pending: z.array(z.string()),
    waivers: z.array(JsonWaiverSchema),
    notes: z.array(z.string()),
    projects: z
      .array(
        z.strictObject({
          path: z.string(),
          policy: z.string(),
          verdict: z.enum(["go", "no-go", "pending"]),
          score: score.nullable(),
          minScore: score.nullable(),
          incomplete: z.boolean(),
        }),
      )
      .optional(),
  })
  .superRefine((r, ctx) => {
    const ids = new Set(r.checks.map((c) => c.id));
    for (const id of [...r.blocking, ...r.pending])
      if (!ids.has(id)) ctx.addIssue({ code: "custom", message: `${id} is not a check of the report` });
    if (r.verdict === "go" && r.blocking.length > 0)
      ctx.addIssue({ code: "custom", message: "GO with blocking checks" });
    if (r.verdict === "go" && r.incomplete) ctx.addIssue({ code: "custom", message: "GO while incomplete" });
    const reached = r.levels.filter((l) => l.reached).at(-1)?.id ?? null;
    if (r.level !== reached) ctx.addIssue({ code: "custom", message: "level is not the highest reached" });
    for (const l of r.levels)
      if (l.reached && (l.missing.length > 0 || r.score < l.minScore))
        ctx.addIssue({ code: "custom", message: `level ${l.id} reached without its bar` });
    if (!r.incomplete && !r.conclusive)
      ctx.addIssue({ code: "custom", message: "inconclusive although nothing is unknown" });
  });
