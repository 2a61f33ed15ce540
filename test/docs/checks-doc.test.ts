// docs/checks.md is generated: it must be what the generator writes now, and say something about every kind
// and every parameter the code has.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import {
  DOC_PATH,
  KIND_DOCS,
  PRESETS_DOC_PATH,
  QUOTES,
  renderCheckDocs,
  renderPresetDocs,
  situationNeeds,
} from "../../scripts/generate-check-docs.js";
import { type KindName, kindNames, kinds } from "../../src/checks/registry.js";
import { policySchema } from "../../src/policy/schema.js";

const root = new URL("../../", import.meta.url);
const doc = readFileSync(DOC_PATH, "utf8");

type Props = { properties?: Record<string, Props>; description?: string };

/** Every parameter of a kind as the schema has it, nested ones as `json.file`. */
function schemaParameters(name: KindName): Map<string, Props> {
  const out = new Map<string, Props>();
  const walk = (s: Props, prefix: string) => {
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      out.set(prefix + key, prop);
      walk(prop, `${prefix}${key}.`);
    }
  };
  walk(z.toJSONSchema(kinds[name].schema, { io: "input" }) as Props, "");
  return out;
}

/** The text of a kind's section: from its heading to the next one. */
function section(name: KindName): string {
  const start = doc.indexOf(`\n## \`${name}\`\n`);
  if (start < 0) return "";
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

describe("docs/presets.md", () => {
  it("is what scripts/generate-check-docs.ts writes from the presets the engine reads", () => {
    expect(
      readFileSync(PRESETS_DOC_PATH, "utf8"),
      "docs/presets.md differs from the presets: run `npm run docs`",
    ).toBe(renderPresetDocs());
  });
});

describe("docs/checks.md", () => {
  it("is what scripts/generate-check-docs.ts writes", () => {
    expect(
      doc,
      "docs/checks.md differs from what scripts/generate-check-docs.ts produces: run `npm run docs`",
    ).toBe(renderCheckDocs());
  });

  it("has a section for every kind in the registry, in registry order", () => {
    const at = kindNames.map((name) => doc.indexOf(`\n## \`${name}\`\n`));
    for (const [i, name] of kindNames.entries()) expect(at[i], `no section for ${name}`).toBeGreaterThan(0);
    expect(at).toEqual([...at].sort((a, b) => a - b));
  });

  it.each(kindNames)("lists every parameter of %s with a meaning", (name) => {
    const text = section(name);
    for (const param of schemaParameters(name).keys()) {
      const row = text.split("\n").find((line) => line.startsWith(`| \`${param}\` |`));
      expect(row, `${name}.${param} is missing from the parameter table`).toBeDefined();
      const meaning = row!
        .split(/(?<!\\)\|/)
        .at(-2)!
        .trim();
      expect(meaning, `${name}.${param} has no meaning: add .describe() to the schema`).not.toBe("");
    }
  });

  it("describes a parameter by hand only while the schema does not", () => {
    for (const name of kindNames) {
      const params = schemaParameters(name);
      for (const param of Object.keys(KIND_DOCS[name].fallbackMeaning ?? {})) {
        const prop = params.get(param);
        expect(prop, `${name}.${param}: no such parameter; drop its fallbackMeaning`).toBeDefined();
        expect(
          prop!.description,
          `${name}.${param} now has a .describe(): drop its fallbackMeaning from the generator`,
        ).toBeUndefined();
      }
    }
  });

  it("states only rules the schema enforces, with its own message", () => {
    for (const name of kindNames) {
      for (const rule of KIND_DOCS[name].rules ?? []) {
        const parsed = kinds[name].schema.safeParse(rule.invalid);
        expect(parsed.success, `${name}: ${JSON.stringify(rule.invalid)} should be rejected`).toBe(false);
        expect(parsed.error?.issues.map((i) => i.message)).toContain(rule.message);
      }
    }
  });

  it.each(kindNames)("gives an example for %s that is a valid policy using that kind", (name) => {
    const example = parse(KIND_DOCS[name].example) as { checks: Record<string, Record<string, unknown>> };
    const parsed = policySchema().safeParse({ version: 1, ...example });
    expect(parsed.error?.issues ?? []).toEqual([]);
    for (const [id, check] of Object.entries(example.checks)) {
      expect(check[name], `example check ${id} is not a ${name} check`).toBeDefined();
    }
  });

  it.each(kindNames)("has an evidence row for every need %s raises", (name) => {
    const declared = KIND_DOCS[name].evidence;
    const raised = new Set(
      KIND_DOCS[name].situations.flatMap((s) => situationNeeds(name, s).map((n) => n.type)),
    );
    for (const type of raised) expect(declared, `${name} raises ${type}`).toContain(type);
    // The ledger is collected by the engine for the whole policy, not through needs().
    for (const type of declared)
      if (type !== "ledger") expect(raised, `${name} never raises ${type}`).toContain(type);
  });

  it("quotes the source only with text the source still has", () => {
    expect(QUOTES.length).toBeGreaterThan(0);
    for (const q of QUOTES) {
      expect(readFileSync(new URL(q.file, root), "utf8"), `${q.file} no longer says "${q.text}"`).toContain(
        q.text,
      );
    }
  });

  it("is regenerated by `npm run docs`", () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.docs).toBe("tsx scripts/generate-check-docs.ts");
  });
});
