// The App's record of the slash commands it accepted: a hidden block in the comment the App posts in answer.
// Pure. The App writes it (src/app/commands.ts); the ledger reads it (src/evidence/github/ledger.ts) and the
// engine judges it (src/commands/ledger.ts). People write requests; only the App writes records, so the ledger
// is what the App accepted, and a person editing or deleting a comment afterwards cannot unsay a revocation.
import { z } from "zod";

const MARKER = "readiness-gate:record";
/** The hidden block: base64url so no reason text can close the HTML comment early. */
const BLOCK = /<!-- readiness-gate:ledger ([A-Za-z0-9_-]{1,20000}) -->/;

const RecordedCommand = z.object({
  verb: z.enum(["waive", "unwaive", "signoff"]),
  check: z.string().min(1).max(200),
  /** Resolved expiry of a waiver, YYYY-MM-DD. */
  until: z.string().max(10).optional(),
  reason: z.string().max(2000).optional(),
});

const RecordSchema = z.object({
  v: z.literal(1),
  /** The person's comment that gave the commands. */
  comment: z.number().int().positive(),
  actor: z.string().min(1).max(100),
  /** When that comment was posted (ISO): commands are ordered by it. */
  at: z.string().max(40),
  /** The pull request's head when the App accepted the commands: a sign-off is bound to it. */
  sha: z.string().max(64).optional(),
  commands: z.array(RecordedCommand).min(1).max(50),
});

export type LedgerRecord = z.infer<typeof RecordSchema>;

/** The marker line that makes the record comment findable, and posted once per command comment. */
export function recordMarker(commentId: number): string {
  return `<!-- ${MARKER}:${commentId} -->`;
}

/** The hidden block carrying the record, to append to the App's answer. */
export function encodeRecord(record: LedgerRecord): string {
  const data = Buffer.from(JSON.stringify(record), "utf8").toString("base64url");
  return `<!-- readiness-gate:ledger ${data} -->`;
}

/** The record in a comment body, or null when it holds none or one that does not validate. */
export function decodeRecord(body: string): LedgerRecord | null {
  const m = BLOCK.exec(body);
  if (!m) return null;
  try {
    const parsed = RecordSchema.safeParse(JSON.parse(Buffer.from(m[1]!, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A record comment starts with its marker (the App writes it first): a marker quoted elsewhere is not one. */
export const mayHoldRecord = (body: string): boolean =>
  body.startsWith(`<!-- ${MARKER}:`) && body.includes("readiness-gate:ledger ");

/**
 * The App's comments that the App itself edits: the sticky status comment (src/report/markdown.ts
 * COMMENT_MARKER) and a release's explanation (src/app/publish/release.ts releaseMarker). Any other comment of the
 * App that was edited was edited by a person (writers can edit any comment).
 */
export const EDITABLE_MARKERS = ["<!-- readiness-gate:status -->", "<!-- readiness-gate:release:"] as const;

export const editedByTheApp = (body: string): boolean => EDITABLE_MARKERS.some((m) => body.startsWith(m));
