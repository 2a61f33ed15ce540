// Problems a policy author can cause: values with a file and a 1-based line and column, never exceptions.

export interface PolicyError {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** `file:line:column: message`, the form editors and CI annotations understand. */
export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.message}`;
}

/** A readable path into the policy: `checks.readme.file.path[0]`, `checks["a b"]`. */
export function pathString(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const key = String(seg);
      out += /^[A-Za-z_$][\w$-]*$/.test(key) ? `${out ? "." : ""}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** `path: message`, or the message alone at the top level. */
export const at = (path: readonly PropertyKey[], message: string): string =>
  path.length === 0 ? message : `${pathString(path)}: ${message}`;

/** Drops exact duplicates and orders by file (in order of first appearance), line, column. */
export function tidyErrors(errors: readonly PolicyError[]): PolicyError[] {
  const fileOrder = new Map<string, number>();
  const seen = new Set<string>();
  const out: PolicyError[] = [];
  for (const e of errors) {
    if (!fileOrder.has(e.file)) fileOrder.set(e.file, fileOrder.size);
    const key = formatPolicyError(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out.sort(
    (a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.line - b.line || a.column - b.column || 0,
  );
}
