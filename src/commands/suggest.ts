// Moved to src/policy/suggest.ts; kept until every importer has moved.
export { suggest } from "../policy/suggest.js";
