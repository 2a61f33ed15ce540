// Writes schema/readiness.schema.json from the zod schema: `npm run schema`.
import { writeFileSync } from "node:fs";
import { renderPolicyJsonSchema } from "../src/policy/json-schema.js";

const target = new URL("../schema/readiness.schema.json", import.meta.url);
writeFileSync(target, renderPolicyJsonSchema());
process.stdout.write(`wrote ${target.pathname}\n`);
