// What a person attests that no machine can read (an incident drill held, a team trained), recorded as a
// reviewed file in the repository, so the CLI sees it as well as the App. The file is trusted only where the
// gated change cannot have written it (the reviewedContent need: a pull request's base branch); see
// docs/security.md §4.4.
import { z } from "zod";
import type { Need } from "../evidence/types.js";
import { formatPolicyError, type PolicyError } from "../policy/errors.js";
import { suggestion } from "../policy/suggest.js";
import { locate, readYaml } from "../policy/yaml-source.js";
import {
  ageMs,
  DAY_MS,
  describeAge,
  failed,
  inFuture,
  joinAnd,
  link,
  passed,
  TEAM_NAME,
  unknownResult,
} from "./common.js";
import { ALL_CONTEXTS, defineKind } from "./types.js";

const schema = () =>
  z.strictObject({
    path: z
      .string()
      .min(1)
      .describe(
        "The attestation file: YAML (.yml/.yaml) or Markdown with YAML front matter, holding statement, by, date and optionally until.",
      ),
    by: z
      .array(
        z
          .string()
          .min(1)
          .refine((v) => !v.includes("/") || TEAM_NAME.test(v), {
            message: "teams are written org/team-slug (letters, digits, - and _)",
          }),
      )
      .min(1)
      .optional()
      .describe(
        "Who may attest: GitHub logins, or teams (org/team-slug) whose members may. Team membership is read from GitHub (the App, or --repo); locally an attester named only through a team is unknown.",
      ),
    maxAgeDays: z
      .number()
      .positive()
      .optional()
      .describe("An attestation counts for this many days after its date (and never past its own until)."),
  });
type Params = z.output<ReturnType<typeof schema>>;

const isDay = (s: string) => s.length === 10;
// YYYY-MM-DD (a day, UTC) or a full ISO time.
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
/** A date that exists: Date.parse takes 2025-02-30 for March 2. */
const realDate = (s: string): boolean => {
  if (!DATE.test(s)) return false;
  const ms = Date.parse(isDay(s) ? `${s}T00:00:00Z` : s);
  return !Number.isNaN(ms) && (!isDay(s) || new Date(ms).toISOString().startsWith(s));
};
const dateField = () =>
  z.string().refine(realDate, "write a real date as YYYY-MM-DD or an ISO time such as 2025-05-01T14:00:00Z");

/**
 * What the file must say, strictly: a typo in a key is an error, not a silently missing field. Built when a
 * file is first read, like the kind's own schema (see defineKind).
 */
const attestationFile = () =>
  z
    .strictObject({
      statement: z.string().min(1).describe("What is attested, in a sentence."),
      by: z.string().min(1).describe("The GitHub login of the person attesting."),
      date: dateField().describe("When it happened (YYYY-MM-DD, UTC, or an ISO time)."),
      until: dateField().optional().describe("Last day it counts (YYYY-MM-DD counts through that day, UTC)."),
      evidence: z.string().min(1).optional().describe("Where to read more: minutes, a ticket, a recording."),
    })
    .refine((f) => f.until === undefined || untilMs(f.until) >= startMs(f.date), {
      message: "until lies before date",
      path: ["until"],
    });
type Attestation = z.output<ReturnType<typeof attestationFile>>;
let attestationFileSchema: ReturnType<typeof attestationFile> | undefined;
const FIELDS = ["statement", "by", "date", "until", "evidence"];

const startMs = (s: string) => Date.parse(isDay(s) ? `${s}T00:00:00Z` : s);
/** A day given as `until` counts through its end (UTC), as a waiver's does. */
const untilMs = (s: string) => (isDay(s) ? Date.parse(`${s}T00:00:00Z`) + DAY_MS - 1 : Date.parse(s));
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Parsed = { ok: true; value: Attestation } | { ok: false; errors: PolicyError[] };

/** The YAML part of the file: all of a .yml, the front matter of a Markdown file (line numbers kept). */
function yamlPart(text: string, path: string): { yaml: string } | { error: string } {
  if (!/\.(md|markdown)$/i.test(path)) return { yaml: text };
  const lines = text.split("\n");
  if (lines[0]?.trimEnd() !== "---") {
    return {
      error: "a Markdown attestation starts with YAML front matter: a line ---, the fields, a line ---",
    };
  }
  const end = lines.findIndex((l, i) => i > 0 && (l.trimEnd() === "---" || l.trimEnd() === "..."));
  if (end === -1) return { error: "the front matter is not closed by a line ---" };
  // The opening --- is a YAML document marker, so the slice parses as is and keeps its line numbers.
  return { yaml: lines.slice(0, end).join("\n") };
}

/** Pure: the file's text → its fields, or every error located as file:line:column. */
export function parseAttestation(text: string, path: string): Parsed {
  const part = yamlPart(text, path);
  if ("error" in part)
    return { ok: false, errors: [{ file: path, line: 1, column: 1, message: part.error }] };
  const read = readYaml(part.yaml, path);
  if (!read.source) return { ok: false, errors: read.errors };
  const src = read.source;
  attestationFileSchema ??= attestationFile();
  const result = attestationFileSchema.safeParse(src.data ?? {});
  if (result.success) return { ok: true, value: result.data };
  const located = result.error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const where = keys.length ? [...issue.path, keys[0]!] : issue.path;
    const pos = locate(src, where, keys.length ? "key" : "node");
    const field = where.length ? `${where.map(String).join(".")}: ` : "";
    const message =
      issue.code === "invalid_type" && issue.input === undefined
        ? "required"
        : keys.length
          ? `unknown key${suggestion(String(keys[0]), FIELDS)}`
          : issue.message;
    return { file: path, ...pos, message: `${field}${message}`, missing: message === "required" };
  });
  // What is written wrong first, in file order (a misspelt key explains the missing field that follows).
  const order = (e: (typeof located)[number]) => (e.missing ? 1 : 0);
  located.sort((a, b) => order(a) - order(b) || a.line - b.line || a.column - b.column);
  return { ok: false, errors: located.map(({ missing: _m, ...e }) => e) };
}

const lower = (s: string) => s.toLowerCase();
const teamsOf = (p: Params): string[] => (p.by ?? []).filter((b) => b.includes("/"));

export const attestationKind = defineKind({
  name: "attestation",
  description:
    "A person attested something no machine can read (a drill held, a team trained) in a reviewed file: statement, by, date, until. On a pull request only the base branch's copy counts.",
  schema,
  appliesTo: ALL_CONTEXTS,
  needs: (p): Need[] => [
    { type: "reviewedContent", path: p.path },
    ...teamsOf(p).map((team): Need => ({ type: "teamMembers", team })),
  ],
  evaluate: (p: Params, { facts, now }) => {
    const fact = facts.get({ type: "reviewedContent", path: p.path });
    if (fact.state === "unknown") return unknownResult(`${p.path} could not be read: ${fact.reason}`);
    const { content, from, url } = fact.value;
    const evidence = [link(`${p.path} on ${from}`, url)];
    const onBase = from !== "the checkout";
    const where = onBase ? `on ${from}` : "in the checkout";
    const record = `Record it in ${p.path} (statement, by, date${p.maxAgeDays === undefined ? ", until" : ""})${onBase ? ` and merge it into ${from} through review: a pull request's own copy counts once merged` : ""}`;

    if (content === null) {
      return failed(`no attestation: ${p.path} does not exist ${where}`, 0, { fix: record });
    }
    const parsed = parseAttestation(content, p.path);
    if (!parsed.ok) {
      const lines = parsed.errors.map(formatPolicyError);
      return failed(
        `${p.path} is not a valid attestation: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ""}`,
        0,
        { details: lines, evidence, fix: `Correct ${p.path}: it needs statement, by and date (YYYY-MM-DD)` },
      );
    }
    const a = parsed.value;
    const said = `"${a.statement}", attested by ${a.by} on ${a.date}`;

    if (p.by) {
      const people = p.by.filter((b) => !b.includes("/"));
      const teams = teamsOf(p);
      if (!people.some((u) => lower(u) === lower(a.by))) {
        const may = joinAnd([...people, ...teams.map((t) => `members of ${t}`)], "or");
        const refused = failed(`${a.by} may not attest this (${said}); ${may} may`, 0, {
          evidence,
          fix: `Have ${may} attest it in ${p.path}`,
        });
        const lists = teams.map((team) => ({ team, fact: facts.get({ type: "teamMembers", team }) }));
        const member = lists.some((l) => l.fact.state === "ok" && l.fact.value.includes(lower(a.by)));
        if (!member) {
          const unread = lists.filter((l) => l.fact.state === "unknown");
          if (unread.length === 0) return refused;
          // Not a member of any team that could be read; one that could not might hold them: fail closed.
          return unknownResult(
            `whether ${a.by} belongs to ${joinAnd(
              unread.map((l) => l.team),
              "or",
            )} is not known (${said}): ${unread.map((l) => (l.fact.state === "unknown" ? l.fact.reason : "")).join("; ")}`,
            { evidence },
          );
        }
      }
    }

    const at = startMs(a.date);
    if (inFuture(new Date(at), now)) {
      return failed(`${p.path} is dated ${a.date}, in the future, which attests nothing yet`, 0, {
        evidence,
        fix: `Date ${p.path} with the day it happened`,
      });
    }
    const ends = Math.min(
      a.until === undefined ? Number.POSITIVE_INFINITY : untilMs(a.until),
      p.maxAgeDays === undefined ? Number.POSITIVE_INFINITY : at + p.maxAgeDays * DAY_MS,
    );
    const age = describeAge(ageMs(new Date(at), now));
    if (now.getTime() > ends) {
      const why =
        a.until !== undefined && untilMs(a.until) === ends
          ? `it counted until ${a.until}`
          : `${age}, limit ${p.maxAgeDays} days`;
      return failed(`${p.path} has expired: ${said} (${why})`, 0, {
        evidence,
        fix: `Hold it again and ${record.charAt(0).toLowerCase()}${record.slice(1)}`,
      });
    }
    const until = Number.isFinite(ends) ? `; counts until ${dayOf(ends)}` : "";
    return passed(`${said} (${age}${until})${onBase ? `, read from ${from}` : ""}`, {
      evidence,
      ...(a.evidence ? { details: [`evidence: ${a.evidence}`] } : {}),
    });
  },
});
