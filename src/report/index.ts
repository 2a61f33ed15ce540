// Renderers: pure functions of a Report (no I/O).
export { type Annotation, chunk, policyErrorAnnotations } from "./annotations.js";
export { VERDICT_LABEL } from "./common.js";
export { type JsonReport, renderJson, toJsonReport } from "./json.js";
export {
  byteLength,
  COMMENT_MARKER,
  type CommentOptions,
  DEFAULT_MAX_BYTES,
  escapeMarkdown,
  type MarkdownOptions,
  renderComment,
  renderMarkdown,
  safeUrl,
} from "./markdown.js";
export { renderText, type TextOptions } from "./text.js";
