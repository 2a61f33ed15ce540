// The contract every check kind implements: one file per kind under src/checks/, listed in registry.ts.
import type { z } from "zod";
import type { FileIndex } from "../evidence/file-index.js";
import type { ContextKind, Fact, Facts, LedgerView, Need, Target } from "../evidence/types.js";

export type CheckStatus = "pass" | "fail" | "waived" | "skipped" | "pending" | "unknown" | "error";

export interface EvidenceLink {
  label: string;
  url?: string;
}

/** A file of the evaluated commit a failure is about (and the line, when one is), for annotations. */
export interface FileLocation {
  path: string;
  line?: number;
}

/** What a kind's evaluate returns; the engine adds waivers and errors on top. */
export interface KindResult {
  status: Exclude<CheckStatus, "waived" | "error">;
  /** 0..1; partial credit where a check has several parts. */
  credit: number;
  /** One line a person understands: "docs/runbook.md last changed 45 days ago (limit 30)". */
  summary: string;
  /** Further lines, e.g. which of several paths are missing. */
  details?: string[];
  evidence?: EvidenceLink[];
  /** A kind-specific hint; the check's own `fix` wins. */
  fix?: string;
  /** Files (and lines) a failure is about: a forbidden pattern's line, a file that must not exist. */
  locations?: FileLocation[];
}

export interface NeedsEnv {
  target: Target;
  /** The commit's file index, once collected (needs() is called again when it is). */
  files: FileIndex | null;
}

export interface EvalInput {
  checkId: string;
  target: Target;
  facts: Facts;
  now: Date;
  /**
   * The sign-off ledger the engine collects once for the whole policy (its need names every team the
   * policy mentions, which one check cannot know). Absent for local targets.
   */
  ledger?: Fact<LedgerView>;
}

export interface CheckKind<P = unknown> {
  /** The key in .readiness.yml: "file", "workflow", ... */
  readonly name: string;
  /** One line for docs and the JSON Schema. */
  readonly description: string;
  readonly schema: z.ZodType<P>;
  /** Contexts where the kind makes sense; elsewhere its checks are `skipped`. */
  readonly appliesTo: readonly ContextKind[];
  /** Evidence the check needs, declared so a provider can batch. Called with files: null first. */
  needs(params: P, env: NeedsEnv): Need[];
  /** Pure: params + collected facts + now → result. Must not throw on any facts. */
  evaluate(params: P, input: EvalInput): KindResult;
}

/** A kind as its file writes it: the schema as a function that builds it. */
export type KindDefinition<S extends z.ZodType> = Omit<CheckKind<z.output<S>>, "schema"> & {
  schema: () => S;
};

/**
 * Helper so each kind file keeps its parameter type inferred from its schema. The schema is built on first
 * use and kept: building every kind's zod schema when the module loads was a large part of the CLI's start-up,
 * and a policy uses few kinds (src/policy/schema.ts builds the policy schema from those it names).
 */
export function defineKind<S extends z.ZodType>(kind: KindDefinition<S>): CheckKind<z.output<S>> {
  const { schema: build, ...rest } = kind;
  let built: S | undefined;
  return Object.defineProperty(rest, "schema", {
    get: () => {
      built ??= build();
      return built;
    },
    enumerable: true,
  }) as CheckKind<z.output<S>>;
}

export const ALL_CONTEXTS: readonly ContextKind[] = ["pull_request", "release", "deployment", "local"];
