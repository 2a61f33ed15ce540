// What a run does after the arguments are understood: policy, evaluation, reports. Imported on demand by
// main.ts, so that zod, yaml and re2js (most of the command's code) load while git lists the files.
export { runEvaluation } from "../engine/run.js";
export { formatPolicyError, loadPolicy } from "../policy/load.js";
export { policyPositions } from "../policy/positions.js";
export { renderGithub } from "../report/github.js";
export { renderJson } from "../report/json.js";
export { renderComment, renderMarkdown } from "../report/markdown.js";
export { renderSarif } from "../report/sarif.js";
export { renderText } from "../report/text.js";
