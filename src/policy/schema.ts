// The .readiness.yml format, as zod schemas. The JSON Schema in schema/readiness.schema.json is generated from these.
import { z } from "zod";
import { teamName } from "../checks/common.js";
import { type KindName, kindNames, kinds } from "../checks/registry.js";

export const CHECK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const contextName = z.enum(["pull_request", "release", "deployment", "local"]);
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const isoDate = z
  .string()
  .regex(DATE_SHAPE, "expected a date written YYYY-MM-DD")
  .refine(
    // only judged once the shape is right, so a malformed date gets one message
    (s) =>
      !DATE_SHAPE.test(s) ||
      (!Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s)),
    {
      message: "not a calendar date",
    },
  );

const commonCheckFields = {
  title: z.string().min(1).optional().describe("Shown in reports; default: the check id."),
  description: z.string().optional().describe("Why the check exists."),
  category: z.string().min(1).optional().describe("A key of `categories`; default: general."),
  weight: z
    .number()
    .min(0)
    .default(1)
    .describe(
      "Weight inside its category. 0 with `required: true` makes a gate item: it must pass for GO but does not count in the score.",
    ),
  required: z.boolean().default(false).describe("GO needs this check to pass or be waived."),
  waivable: z.boolean().default(true).describe("Whether waivers may cover this check."),
  fix: z.string().min(1).optional().describe("One line telling people how to fix a failure."),
  contexts: z
    .array(contextName)
    .min(1)
    .optional()
    .describe(
      "Evaluate only in these contexts (pull_request, release, deployment, local); elsewhere skipped.",
    ),
};

type KindFields = { [K in KindName]: z.ZodOptional<(typeof kinds)[K]["schema"]> };

/**
 * Stands in for the schema of a kind that no check of the data being parsed names: the key is then absent
 * from every check and an optional schema never runs, so the result is the same as with the kind's own.
 * The key stays known, so a misspelt kind is still an unknown key compared with every kind's name.
 */
const absentKind = z.never().optional();

/**
 * The check schemas with the schemas of the kinds `used`; every other kind is absentKind. The kinds' own
 * schemas are built on first use (defineKind): a policy of `file` checks builds that one.
 */
function checkSchemas(used: ReadonlySet<KindName>) {
  const kindFields = Object.fromEntries(
    kindNames.map((k) => [k, used.has(k) ? kinds[k].schema.optional() : absentKind]),
  ) as KindFields;
  const fields = z.strictObject({ ...commonCheckFields, ...kindFields });
  return {
    check: fields.superRefine((check, ctx) => {
      const present = kindsPresent(check);
      if (present.length === 0) {
        ctx.addIssue({
          code: "custom",
          message: `a check needs exactly one kind: one of ${kindNames.join(", ")}`,
          params: { noKind: true },
        });
      } else if (present.length > 1) {
        ctx.addIssue(tooManyKinds(present));
      }
    }),
    /** A check as written in a file that extends others: it may omit its kind and inherit it. */
    override: fields.superRefine((check, ctx) => {
      const present = kindsPresent(check);
      if (present.length > 1) ctx.addIssue(tooManyKinds(present));
    }),
  };
}

const kindsPresent = (check: Record<string, unknown>): KindName[] =>
  kindNames.filter((k) => check[k] !== undefined);

/** `params.at: "key"` tells the loader to point at the key (the second kind) rather than its value. */
const tooManyKinds = (present: KindName[]) => ({
  code: "custom" as const,
  path: [present[1]!],
  message: `a check has exactly one kind, found ${present.join(" and ")}`,
  params: { at: "key" },
});

const checkIdKey = z
  .string()
  .regex(CHECK_ID, "check ids are letters, digits, '.', '_' and '-', starting with a letter or digit");
const categoryIdKey = z
  .string()
  .regex(CHECK_ID, "category ids are letters, digits, '.', '_' and '-', starting with a letter or digit");
/** `checks.<id>: null` (or false) removes a check inherited through `extends`. */
const removal = [z.null(), z.literal(false)] as const;
const CHECKS_DESCRIPTION =
  "Checks by id. null or false removes a check inherited through extends; a check that names only some fields overrides the inherited one.";

/**
 * Maps keyed by ids a user writes (checks, categories) have no prototype: `policy.checks[id]` for a name
 * such as "toString" (a waiver, a slash command) is undefined, never a property every object has.
 */
const byId = <T>(entries: Iterable<readonly [string, T]>): Record<string, T> =>
  Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(entries));

export const CategorySchema = z.strictObject({
  title: z.string().min(1).optional(),
  weight: z.number().positive().default(1).describe("Weight of the category in the overall score."),
  description: z.string().optional(),
});

export const WaiverSchema = z.strictObject({
  check: z.string().min(1).describe("Id of the waived check."),
  reason: z.string().min(1).describe("Why shipping without this check is acceptable."),
  expires: isoDate.describe("Last day (UTC) the waiver holds, YYYY-MM-DD."),
  approvedBy: z.string().min(1).optional().describe("Who approved it."),
});

export const CommandRulesSchema = z.strictObject({
  waive: z
    .strictObject({
      permission: z
        .enum(["admin", "maintain", "write", "triage", "read"])
        .default("maintain")
        .describe("Minimum repository permission to waive."),
      teams: z.array(teamName).default([]).describe("Teams whose members may also waive."),
      maxDays: z.number().int().min(1).max(365).default(30).describe("Furthest expiry allowed, in days."),
      minReasonLength: z.number().int().min(1).default(10),
      allowSelfWaive: z
        .boolean()
        .default(true)
        .describe("Whether a PR's author may waive checks on their own PR."),
    })
    .prefault({}),
});

export const AppliesSchema = z.strictObject({
  pullRequests: z
    .union([
      z.literal(false),
      z.strictObject({
        branches: z.array(z.string().min(1)).optional().describe("Base branch globs, e.g. release/**."),
        labels: z
          .array(z.string().min(1))
          .optional()
          .describe("Labels that make a pull request a release PR."),
        headBranches: z
          .array(z.string().min(1))
          .optional()
          .describe(
            "Head branch globs, e.g. release/** (git-flow release PRs into main). Only adds pull requests to those branches or labels gate: the PR's author names the head branch.",
          ),
      }),
    ])
    .default({ branches: ["release/**", "release-*"], labels: ["release"] })
    .describe("Which pull requests are gated: base branch globs, labels or head branch globs (any matches)."),
  releases: z.boolean().default(true),
  environments: z.array(z.string().min(1)).default(["production"]).describe("Deployment environments gated."),
});

const levelScore = z.number().min(0).max(100);
export const LevelSchema = z.union([
  levelScore.describe("The score the level needs."),
  z.strictObject({
    minScore: levelScore.describe("The score the level needs."),
    require: z
      .array(z.string().min(1))
      .default([])
      .describe("Check ids that must pass (or be waived) for the level."),
  }),
]);
const levelIdKey = z
  .string()
  .regex(CHECK_ID, "level names are letters, digits, '.', '_' and '-', starting with a letter or digit");

export const GateSchema = z.strictObject({
  minScore: z.number().min(0).max(100).default(80),
  mode: z.enum(["block", "warn"]).default("block"),
  checkName: z.string().min(1).max(100).default("Production readiness").describe("Name of the check run."),
  onRelease: z
    .enum(["report", "draft"])
    .default("report")
    .describe("draft: turn a NO-GO release back into a draft."),
});

/** How many `projects` entries a policy may list, and how many projects one pull request may touch. */
export const MAX_PROJECT_PATTERNS = 50;

const projectPattern = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (s) =>
      !s.startsWith("/") &&
      !s.endsWith("/") &&
      !s.split("/").some((p) => p === ".." || p === "." || p === ""),
    {
      message: "a project is a directory relative to the repository root, e.g. services/api or services/*",
    },
  )
  .refine((s) => !s.includes("**"), {
    message: "a project pattern matches one directory level per '*': no '**'",
  });

/** The policy schema around a `checks` schema: the whole policy, or one file of it (see documentSchema). */
function policyObject<C extends z.ZodType>(checks: C) {
  return z.strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    extends: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Presets (readiness:baseline, readiness:service, readiness:supply-chain) or owner/repo:path.",
      ),
    applies: AppliesSchema.prefault({}),
    gate: GateSchema.prefault({}),
    categories: z
      .record(categoryIdKey, CategorySchema)
      .default({})
      .transform((categories) => byId(Object.entries(categories))),
    checks,
    levels: z
      .record(levelIdKey, LevelSchema)
      .default({})
      .transform((levels) => byId(Object.entries(levels)))
      .describe(
        "Named levels beside the score, e.g. bronze: 60, silver: { minScore: 80, require: [ci] }. The report names the highest one reached (every lower one reached too). They do not change the verdict.",
      ),
    waivers: z.array(WaiverSchema).default([]),
    commands: CommandRulesSchema.prefault({}),
    projects: z
      .array(projectPattern)
      .min(1)
      .max(MAX_PROJECT_PATTERNS)
      .optional()
      .describe(
        "Monorepo: directories (or globs of directories, e.g. services/*) whose own .readiness.yml also judges the pull requests that change files in them. Read on the base branch, like this file.",
      ),
  });
}

function wholeSchema(used: ReadonlySet<KindName>) {
  const { check } = checkSchemas(used);
  return policyObject(
    z
      .record(checkIdKey, z.union([check, ...removal]))
      .default({})
      .transform((checks) =>
        byId(
          Object.entries(checks).filter((entry): entry is [string, z.output<typeof check>] =>
            Boolean(entry[1]),
          ),
        ),
      )
      .describe(CHECKS_DESCRIPTION),
  );
}

/**
 * One file of a policy that extends others (before merging): its checks may omit their kind. The merged
 * result is validated with the whole policy's schema.
 */
function documentSchema(used: ReadonlySet<KindName>) {
  const { override } = checkSchemas(used);
  return policyObject(
    z
      .record(checkIdKey, z.union([override, ...removal]))
      .default({})
      .describe(CHECKS_DESCRIPTION),
  );
}

const ALL_KINDS: ReadonlySet<KindName> = new Set(kindNames);

/** The kinds the checks of (unvalidated) policy data name. */
function kindsUsed(data: unknown): Set<KindName> {
  const used = new Set<KindName>();
  const checks = isRecord(data) ? data.checks : undefined;
  if (!isRecord(checks)) return used;
  for (const check of Object.values(checks)) {
    if (!isRecord(check)) continue;
    // read as zod reads a key, so a kind zod would validate always has its own schema
    for (const k of kindNames) if (check[k] !== undefined) used.add(k);
    if (used.size === kindNames.length) break;
  }
  return used;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Schemas by the kinds they hold, named in kindNames order: at most one per set of kinds (2^10), each
 * small beside the kinds' own schemas, which all of them share.
 */
const wholeByKinds = new Map<string, ReturnType<typeof wholeSchema>>();
const documentByKinds = new Map<string, ReturnType<typeof documentSchema>>();

function cached<S>(
  cache: Map<string, S>,
  used: ReadonlySet<KindName>,
  build: (used: ReadonlySet<KindName>) => S,
): S {
  const key = kindNames.filter((k) => used.has(k)).join(" ");
  let schema = cache.get(key);
  if (!schema) {
    schema = build(used);
    cache.set(key, schema);
  }
  return schema;
}

/**
 * The schema of a whole policy, with the schemas of the kinds `data` names (messages and suggestions are
 * the same as with every kind's: see absentKind). Without data: every kind, for the JSON Schema and callers
 * that build policies in code.
 */
export function policySchema(data?: unknown) {
  return cached(wholeByKinds, data === undefined ? ALL_KINDS : kindsUsed(data), wholeSchema);
}

/** The schema of one file of a policy (its checks may omit their kind), likewise. */
export function policyDocumentSchema(data?: unknown) {
  return cached(documentByKinds, data === undefined ? ALL_KINDS : kindsUsed(data), documentSchema);
}

type PolicySchema = ReturnType<typeof wholeSchema>;
type CheckSchema = ReturnType<typeof checkSchemas>["check"];

export type Policy = z.output<PolicySchema>;
export type PolicyInput = z.input<PolicySchema>;
export type CheckDef = z.output<CheckSchema>;
export type CategoryDef = z.output<typeof CategorySchema>;
export type WaiverDef = z.output<typeof WaiverSchema>;
export type LevelDef = z.output<typeof LevelSchema>;
export type ContextName = z.output<typeof contextName>;

export const DEFAULT_CATEGORY = "general";

/** The one kind a validated check has. */
export function kindNameOf(check: CheckDef): KindName {
  return kindNames.find((k) => check[k] !== undefined)!;
}
