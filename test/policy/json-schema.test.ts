import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { POLICY_SCHEMA_ID, policyJsonSchema, renderPolicyJsonSchema } from "../../src/policy/json-schema.js";

const committed = new URL("../../schema/readiness.schema.json", import.meta.url);

describe("schema/readiness.schema.json", () => {
  it("is the schema generated from src/policy/schema.ts", () => {
    const onDisk = readFileSync(committed, "utf8");
    if (onDisk !== renderPolicyJsonSchema()) {
      expect.fail(
        "schema/readiness.schema.json is out of date with src/policy/schema.ts (or a check kind's schema): run `npm run schema` and commit the result",
      );
    }
  });

  it("describes what people write: an identified draft 2020-12 schema with defaults left optional", () => {
    const schema = policyJsonSchema() as {
      $schema: string;
      $id: string;
      title: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { additionalProperties?: { anyOf?: { type?: string }[] } }>;
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(POLICY_SCHEMA_ID);
    expect(schema.title).toMatch(/readiness/i);
    expect(schema.required).toEqual(["version"]);
    expect(schema.additionalProperties).toBe(false);
    // checks.<id>: null or false removes an inherited check
    const checkValue = schema.properties.checks?.additionalProperties?.anyOf?.map((s) => s.type);
    expect(checkValue).toEqual(["object", "null", "boolean"]);
  });
});
