import { z } from "zod";
import type { WorkflowRef } from "../evidence/types.js";

export const severity = z.enum(["low", "medium", "high", "critical"]);
export const globList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export const toList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** `ci.yml` or `.github/workflows/ci.yml` is a file; anything else is a workflow name. */
export function workflowRef(value: string): WorkflowRef {
  return /\.ya?ml$/i.test(value) ? { file: value } : { name: value };
}
