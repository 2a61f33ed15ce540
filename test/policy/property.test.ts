// The loader never throws and every error it reports has a real location, whatever it is fed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { issuesToErrors } from "../../src/policy/issues.js";
import {
  formatPolicyError,
  type LoadResult,
  loadPolicy,
  parsePolicy,
  type RemoteRef,
} from "../../src/policy/load.js";
import { PRESET_NAMES, presetText } from "../../src/policy/presets/index.js";
import { policyDocumentSchema, policySchema } from "../../src/policy/schema.js";
import { readYaml, type Source } from "../../src/policy/yaml-source.js";

const F = "policy.yml";

/** Seeded, so a failure is reproducible; the run counts add up to well over 10,000. */
const run = (numRuns: number, seed: number) => ({ numRuns, seed, endOnFailure: true });

const errorsOf = (r: LoadResult): string[] => (r.ok ? [] : r.errors.map(formatPolicyError));

/** A plain assertion: vitest's expect is too slow to call thousands of times a second. */
function check(ok: boolean, what: string, detail: unknown): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(detail)}`);
}

/** The invariants of any result, checked against the text it came from. */
function wellFormed(text: string, r: LoadResult): void {
  // lines as yaml counts them: a lone \r does not end one
  const lines = text.split("\n");
  if (!r.ok) check(r.errors.length > 0, "a failure without errors", r);
  for (const e of r.ok ? r.warnings : r.errors) {
    if (e.file !== F) continue; // presets are checked on their own
    check(Number.isInteger(e.line) && e.line >= 1 && e.line <= lines.length, "line out of range", e);
    check(Number.isInteger(e.column) && e.column >= 1, "column below 1", e);
    if (!e.message.startsWith("the policy is larger")) {
      check(e.column <= (lines[e.line - 1] ?? "").length + 1, "column past the end of its line", e);
    }
    check(/\S/.test(e.message) && !e.message.startsWith("internal error"), "message", e);
  }
  if (r.ok) {
    check(r.policy.version === 1, "version", r.policy);
    for (const c of Object.values(r.policy.checks))
      check(typeof c === "object" && c !== null, "a removal left", c);
  }
}

/** An unknown key's error points at the key itself. */
function unknownKeysPointAtKeys(text: string, r: LoadResult): void {
  if (r.ok) return;
  const lines = text.split("\n");
  for (const e of r.errors) {
    const m = /: unknown key ("(?:[^"\\]|\\.)*")/.exec(e.message);
    if (!m || e.file !== F) continue;
    const key = JSON.parse(m[1]!) as string;
    const at = (lines[e.line - 1] ?? "").slice(e.column - 1);
    if (/^[A-Za-z0-9_$.-]+$/.test(key)) check(at.replace(/^["']/, "").startsWith(key), `not at "${at}"`, e);
  }
}

// ---- (a) random YAML-ish text

const TOKENS = [
  "version: 1",
  "version: ",
  "\n",
  "\n",
  "\n  ",
  "\n    ",
  "  ",
  " ",
  "- ",
  ": ",
  ":",
  ",",
  "[",
  "]",
  "{",
  "}",
  "checks:",
  "categories:",
  "waivers:",
  "gate:",
  "applies:",
  "commands:",
  "extends: [readiness:baseline]",
  "extends: [acme/x:y.yml]",
  "readme:",
  "file:",
  "workflow:",
  "path: ",
  "README.md",
  "../x",
  "/etc",
  "contains: ",
  '"a(b"',
  "maxAgeDays: ",
  "weight: ",
  "category: ",
  "check: ",
  "expires: ",
  "2020-01-01",
  "2030-02-30",
  "minScore: ",
  "-1",
  "0",
  "101",
  "1e400",
  ".nan",
  "~",
  "null",
  "true",
  "yes",
  "on",
  "&a ",
  "&b ",
  "*a",
  "*b",
  "<<: ",
  "? ",
  "'",
  '"',
  "\\",
  "#",
  "---",
  "...",
  "|",
  ">-",
  "!!str ",
  "!!binary ",
  "!foo ",
  "%YAML 1.2\n",
  "\t",
  "\r\n",
  "\r",
  "\uFEFF",
  "\u0000",
  "\u2028",
  "é",
  "🙂",
  "__proto__",
  "constructor",
];

/** Any code point but lone surrogates, ASCII (where YAML's syntax lives) most often. Built here rather than
 * with fast-check's "binary" unit, whose one-time set-up costs a second. */
const codePoint = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 0x7f }) },
    fc.integer({ min: 0x80, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c));

const yamlish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(""));

// ---- (b) mutations of valid policies

const FULL = `version: 1
extends: []
gate: {minScore: 70, mode: warn, checkName: Ready, onRelease: draft}
applies:
  pullRequests: {branches: ["release/**"], labels: [release]}
  releases: true
  environments: [production, staging]
categories:
  docs: {title: Docs, weight: 2}
  ops: {weight: 3, description: Operations}
checks:
  readme: {title: README, category: docs, weight: 2, required: true, file: {path: README.md, minBytes: 10, contains: "(?m)^# ", maxAgeDays: 30}}
  ci: {category: ops, workflow: {file: ci.yml, jobs: [test], branch: main, maxAgeDays: 2, streak: 3}}
  ext: {status: {name: buildkite/pipeline, conclusions: [success, neutral]}}
  load: {artifact: {workflow: load.yml, name: k6, json: {file: summary.json, path: metrics.p95, below: 250}}}
  sbom: {contexts: [release], release: {assets: ["*.spdx.json", "*.sig"]}}
  rules: {branch: {name: main, requiresChecks: [Ready], minReviews: 1}}
  vulns: {waivable: false, alerts: {sources: [dependabot], maxSeverity: high}}
  sec: {signoff: {teams: [acme/security], users: [alice], count: 1, maxAgeDays: 90, resetOnPush: true}}
  notes: {pr: {labels: [release], changedFiles: [CHANGELOG.md]}}
waivers:
  - {check: readme, reason: rewriting it this sprint, expires: 2030-01-01, approvedBy: alice}
commands:
  waive: {permission: write, teams: [acme/leads], maxDays: 14, minReasonLength: 20, allowSelfWaive: false}
`;

const BASES = [FULL, ...PRESET_NAMES.map((n) => presetText(n)!)];

type Json = unknown;

/** Every container (mapping or list) in the data, with its path. */
function containers(
  v: Json,
  path: (string | number)[] = [],
  out: { path: (string | number)[]; v: Json }[] = [],
  seen = new Set<unknown>(),
) {
  // mutations share and nest containers, even inside themselves: visit each once
  if (v && typeof v === "object" && !seen.has(v)) {
    seen.add(v);
    out.push({ path, v });
    for (const [k, x] of Object.entries(v))
      containers(x, [...path, Array.isArray(v) ? Number(k) : k], out, seen);
  }
  return out;
}

const replacement = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 200 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom("../up", "/abs", "a(b", "[z-a]", "2020-01-01", "readiness:nope", "acme/x:y.yml", "general"),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);

const mutation = fc.record({
  op: fc.constantFrom("drop", "rename", "typo", "retype", "alias", "cycle", "wrap", "clear"),
  at: fc.nat(),
  other: fc.nat(),
  value: replacement,
  name: fc.string({ maxLength: 10 }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(data: Json, muts: Mutation[]): Json {
  let root = data;
  for (const m of muts) {
    const all = containers(root);
    const target = all[m.at % all.length];
    if (!target) continue;
    const c = target.v as Record<string, unknown> | unknown[];
    const keys = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
    if (keys.length === 0) {
      if (!Array.isArray(c)) c[m.name] = m.value;
      continue;
    }
    const key = keys[m.other % keys.length]!;
    const get = () => (c as Record<string | number, unknown>)[key];
    const set = (v: unknown) => {
      (c as Record<string | number, unknown>)[key] = v;
    };
    switch (m.op) {
      case "drop":
        if (Array.isArray(c)) c.splice(key as number, 1);
        else delete c[key as string];
        break;
      case "rename":
      case "typo":
        if (!Array.isArray(c)) {
          const old = String(key);
          const i = m.other % (old.length + 1);
          const renamed = m.op === "typo" ? old.slice(0, i) + old.slice(i + 1) : m.name;
          const value = c[old];
          delete c[old];
          c[renamed] = value;
        }
        break;
      case "retype":
        set(m.value);
        break;
      case "alias": {
        // share another container: stringify writes it as an anchor and an alias
        const source = all[m.other % all.length];
        if (source && !source.path.every((p, i) => target.path[i] === p)) set(source.v);
        break;
      }
      case "cycle":
        // an ancestor inside its own descendant: a self-referencing alias
        set(all[m.other % (all.indexOf(target) + 1)]?.v ?? root);
        break;
      case "wrap":
        set(Array.isArray(get()) ? { wrapped: get() } : [get()]);
        break;
      case "clear":
        root = m.value;
        break;
    }
  }
  return root;
}

const PARSED = BASES.map((b) => parse(b, { schema: "core" }) as Json);

/** A third of a base's checks (yaml is slow on big documents; the variety is in the mutations). */
function slice(base: Json, pick: number): Json {
  const data = structuredClone(base) as Record<string, unknown>;
  const checks = data.checks as Record<string, unknown> | undefined;
  if (checks) {
    data.checks = Object.fromEntries(Object.entries(checks).filter((_, i) => i % 3 === pick % 3));
  }
  return data;
}

/**
 * Block-style YAML for plain data, with anchors and aliases for shared and self-containing containers.
 * A few lines instead of yaml's stringify, which is too slow to call thousands of times.
 */
function toYaml(data: Json): string {
  const refs = new Map<unknown, number>();
  const count = (v: Json, stack: Set<unknown>) => {
    if (!v || typeof v !== "object") return;
    refs.set(v, (refs.get(v) ?? 0) + 1);
    if (refs.get(v)! > 1 || stack.has(v)) return;
    stack.add(v);
    for (const x of Object.values(v)) count(x, stack);
    stack.delete(v);
  };
  count(data, new Set());
  const anchors = new Map<unknown, string>();
  const scalar = (v: Json): string => {
    if (typeof v === "number")
      return Number.isNaN(v) ? ".nan" : Number.isFinite(v) ? String(v) : v > 0 ? ".inf" : "-.inf";
    if (typeof v === "string")
      return /^[A-Za-z_][\w./-]*$/.test(v) && !/^(null|true|false|y|n)$/i.test(v) ? v : JSON.stringify(v);
    return JSON.stringify(v) ?? "null";
  };
  const key = (k: string) =>
    /^[A-Za-z_$][\w.$-]*$/.test(k) && !/^(null|true|false)$/i.test(k) ? k : JSON.stringify(k);
  /** The text after `key:` or `- `: an inline scalar, an alias, or a nested block on the next lines. */
  const node = (v: Json, indent: string): string => {
    if (!v || typeof v !== "object") return ` ${scalar(v)}`;
    const seen = anchors.get(v);
    if (seen) return ` *${seen}`;
    let anchor = "";
    if ((refs.get(v) ?? 0) > 1) {
      const name = `a${anchors.size}`;
      anchors.set(v, name);
      anchor = ` &${name}`;
    }
    const entries = Object.entries(v);
    if (entries.length === 0) return `${anchor} ${Array.isArray(v) ? "[]" : "{}"}`;
    const lines = Array.isArray(v)
      ? entries.map(([, x]) => `${indent}-${node(x, `${indent}  `)}`)
      : entries.map(([k, x]) => `${indent}${key(k)}:${node(x, `${indent}  `)}`);
    return `${anchor}\n${lines.join("\n")}`;
  };
  const text = node(data, "");
  return `${text.startsWith("\n") ? text.slice(1) : text.trimStart()}\n`;
}

const mutatedPolicy = fc
  .tuple(fc.constantFrom(...PARSED), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([base, pick, muts]) => toYaml(mutate(slice(base, pick), muts)));

/** Cuts and splices at the text level: broken indentation, unclosed brackets, stray anchors. */
const splicedPolicy = fc
  .tuple(
    fc.constantFrom(...BASES),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.constantFrom("", ...TOKENS)), {
      minLength: 1,
      maxLength: 5,
    }),
  )
  .map(([base, edits]) => {
    let text = base;
    for (const [at, cut, insert] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + insert + text.slice(i + cut);
    }
    return text;
  });

const remotes = {
  fetchRemote: async (ref: RemoteRef) =>
    ref.path === "missing.yml" ? null : FULL.replace("extends: []", ""),
};

describe("the test's own YAML writer", () => {
  it("round-trips every base policy", () => {
    for (const data of PARSED) {
      const text = toYaml(data);
      expect(parse(text, { schema: "core" })).toEqual(data);
      expect(parsePolicy(text, F).ok).toBe(true);
    }
  });

  it("writes shared and self-containing containers as anchors and aliases", () => {
    const shared = { a: 1 };
    const cyclic: Record<string, unknown> = { version: 1, x: shared, y: shared };
    cyclic.z = cyclic;
    const text = toYaml(cyclic);
    expect(text).toBe("&a0\nversion: 1\nx: &a1\n  a: 1\ny: *a1\nz: *a0\n");
    expect(errorsOf(parsePolicy(text, F))).toEqual([`${F}:6:4: alias *a0 refers to a node that contains it`]);
  });
});

describe("the loader never throws", () => {
  it("on YAML-ish token soup (parsePolicy)", () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        wellFormed(text, parsePolicy(text, F, { now: new Date("2025-01-01"), strict: true }));
      }),
      run(5800, 1001),
    );
  });

  it("on arbitrary code points", () => {
    fc.assert(
      fc.property(fc.string({ unit: codePoint, maxLength: 120 }), (text) => {
        wellFormed(text, parsePolicy(text, F));
      }),
      run(2600, 1002),
    );
  });

  it("on mutations of valid policies: dropped and renamed keys, changed types, anchors, aliases, cycles", () => {
    fc.assert(
      fc.property(mutatedPolicy, (text) => {
        const r = parsePolicy(text, F, { now: new Date("2031-01-01") });
        wellFormed(text, r);
        unknownKeysPointAtKeys(text, r);
      }),
      run(1500, 1003),
    );
  });

  it("on text-level splices of valid policies", () => {
    fc.assert(
      fc.property(splicedPolicy, (text) => {
        const r = parsePolicy(text, F);
        wellFormed(text, r);
        unknownKeysPointAtKeys(text, r);
      }),
      run(600, 1004),
    );
  });

  it("with extends resolution (loadPolicy), presets and remote files", async () => {
    const withExtends = fc
      .tuple(
        fc.oneof(mutatedPolicy, splicedPolicy),
        fc.subarray([...PRESET_NAMES, "readiness:nope", "acme/p:x.yml", "acme/p:missing.yml", "nonsense"]),
      )
      .map(([text, ext]) =>
        text
          .replace(/^extends:.*$/m, "")
          .replace(/^version: 1$/m, `version: 1\nextends: ${JSON.stringify(ext)}`),
      );
    await fc.assert(
      fc.asyncProperty(withExtends, async (text) => {
        wellFormed(text, await loadPolicy(text, F, remotes));
      }),
      run(500, 1005),
    );
  });

  it("returns errors rather than throwing for inputs that are not text", () => {
    for (const input of [undefined, null, 42, {}, [], Symbol("x")]) {
      const r = parsePolicy(input as unknown as string, F);
      expect(r.ok).toBe(false);
    }
  });
});

describe("the schema built for the kinds a document names", () => {
  /** What the loader makes of a parse: the value, or the errors as shown (keys allowed, did you mean, bounds). */
  function outcome(
    schema: ReturnType<typeof policySchema | typeof policyDocumentSchema>,
    src: Source,
  ): string {
    const result = schema.safeParse(src.data, { jitless: true });
    if (result.success) return JSON.stringify(result.data);
    const origin = (path: readonly PropertyKey[]) => ({ src, path });
    return issuesToErrors(result.error.issues, { schema, data: src.data, origin })
      .map(formatPolicyError)
      .join("\n");
  }

  it("reports exactly what the schema of every kind reports, on mutations of valid policies", () => {
    let differentKinds = 0;
    fc.assert(
      fc.property(mutatedPolicy, (text) => {
        const src = readYaml(text, F).source;
        if (!src) return;
        if (policySchema(src.data) !== policySchema()) differentKinds++;
        for (const [own, every] of [
          [policySchema(src.data), policySchema()],
          [policyDocumentSchema(src.data), policyDocumentSchema()],
        ] as const) {
          const a = outcome(own, src);
          const b = outcome(every, src);
          check(a === b, "a different outcome", { text, own: a, every: b });
        }
      }),
      run(1200, 1006),
    );
    // most documents name only some kinds (the bases are sliced to a third of their checks)
    expect(differentKinds).toBeGreaterThan(1000);
  });
});
