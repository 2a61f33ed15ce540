// Renderers: pure functions of a Report (no I/O).
export { type Annotation, chunk, policyErrorAnnotations } from "./annotations.js";
export { type JsonReport, renderJson, toJsonReport } from "./json.js";
export {
  COMMENT_MARKER,
  type CommentOptions,
  type MarkdownOptions,
  renderComment,
  renderMarkdown,
} from "./markdown.js";
export { renderText, type TextOptions } from "./text.js";
