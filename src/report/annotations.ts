// Policy errors as GitHub check-run annotations, so a bad .readiness.yml is marked on the line at fault.

export interface PolicyErrorLike {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "failure";
  message: string;
  title: string;
}

/** GitHub accepts at most 50 annotations per check-run request. */
export const ANNOTATIONS_PER_REQUEST = 50;
const MAX_MESSAGE = 60_000;
const MAX_TITLE = 255;

/**
 * One failure annotation per error, on `path` (the policy file in the repository). An error found in another
 * file (a preset or an extended policy) cannot be annotated there, so it is pinned to line 1 of `path` and
 * its message names its own location.
 */
export function policyErrorAnnotations(errors: PolicyErrorLike[], path: string): Annotation[] {
  return errors.map((e) => {
    const here = !e.file || e.file === path;
    const line = here && Number.isInteger(e.line) && e.line >= 1 ? e.line : 1;
    const column = here && Number.isInteger(e.column) && e.column >= 1 ? e.column : undefined;
    const message = here ? e.message : `${e.file}:${e.line}:${e.column}: ${e.message}`;
    const a: Annotation = {
      path,
      start_line: line,
      end_line: line,
      annotation_level: "failure",
      message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
      title: `Invalid policy: ${path}`.slice(0, MAX_TITLE),
    };
    // GitHub takes columns only when the annotation starts and ends on the same line.
    if (column !== undefined) {
      a.start_column = column;
      a.end_column = column;
    }
    return a;
  });
}

/** Splits a list into runs of at most `size` (default 50, GitHub's per-request limit for annotations). */
export function chunk<T>(items: readonly T[], size = ANNOTATIONS_PER_REQUEST): T[][] {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`chunk size must be a positive integer`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
