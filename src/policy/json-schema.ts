// The JSON Schema of .readiness.yml for editors (yaml-language-server), generated from policySchema().
// schema/readiness.schema.json is this, committed; `npm run schema` rewrites it and a test fails on drift.
import { z } from "zod";
import { policySchema } from "./schema.js";

export const POLICY_SCHEMA_ID =
  "https://raw.githubusercontent.com/readiness-gate/readiness-gate/main/schema/readiness.schema.json";

export function policyJsonSchema(): Record<string, unknown> {
  // input: what people write (defaults optional, `checks.<id>: null` allowed), not what the loader returns
  // every kind's schema: policySchema() with no data
  const { $schema, ...generated } = z.toJSONSchema(policySchema(), { io: "input" }) as Record<
    string,
    unknown
  >;
  return {
    $schema,
    $id: POLICY_SCHEMA_ID,
    title: "Readiness Gate policy (.readiness.yml)",
    description:
      "A release gate policy: checks grouped in weighted categories, waivers with expiry, and the score needed for GO. Generated from src/policy/schema.ts; run `npm run schema` after changing it.",
    ...generated,
  };
}

/** The committed file's exact text: two-space indentation and a final newline. */
export function renderPolicyJsonSchema(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
