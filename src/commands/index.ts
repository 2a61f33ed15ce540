// What the App, the engine and the signoff check kind use from slash commands.
export { type AuditEntry, type AuditLogger, type AuditWhere, auditDecisions, auditEntry } from "./audit.js";
export {
  type Authorization,
  authorize,
  hasRole,
  type Problem,
  type RefusalCode,
  type ResolvedCommand,
  ROLES,
  type Role,
  roleRank,
} from "./authorize.js";
export {
  type CommandDecision,
  type DecideContext,
  decideCommand,
  decideLedgerCommand,
  resolveCommand,
  toLedgerCommand,
} from "./decide.js";
export { explainLedger, type LedgerEntry, waiversFromLedger } from "./ledger.js";
export {
  ALL_USAGE,
  COMMAND_PREFIX,
  type Expiry,
  type ParsedCommand,
  type ParsedLine,
  type ParseError,
  parseCommands,
  USAGE,
  type Verb,
} from "./parse.js";
export { HELP_TEXT, renderHelp, renderReply } from "./reply.js";
