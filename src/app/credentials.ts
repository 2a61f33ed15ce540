// What a failed request made as the App (with its JWT) says about the settings: one line naming the one to
// fix. Used by the server's start-up check and by `readiness reconcile`.
import { toFailure } from "../evidence/github/failure.js";
import type { Settings } from "./config.js";

export interface StartupFailure {
  message: string;
  /** The setting to look at, or null for a problem on GitHub's side (5xx, rate limit) that passes. */
  setting: string | null;
  /** True when it may pass by itself (no answer, 5xx, rate limit); false when a setting must change. */
  transient: boolean;
}

/** Certificate errors Node reports when GitHub Enterprise Server uses a private certificate authority. */
const TLS_CODES =
  /^(UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** The first `code` down an error's chain of causes (fetch wraps the socket error twice). */
function causeCode(error: unknown): string | undefined {
  let e = error as { code?: unknown; cause?: unknown; name?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === "string") return e.code;
    if (e.name === "TimeoutError" || e.name === "AbortError") return "TIMEOUT";
    e = e.cause as typeof e;
  }
  return undefined;
}

export function explainStartupFailure(
  error: unknown,
  settings: Pick<Settings, "appId" | "baseUrl" | "baseUrlSetting" | "privateKeySetting" | "githubTimeoutMs">,
): StartupFailure {
  const url = settings.baseUrl;
  const urlSetting = settings.baseUrlSetting.replace(/ \(default\)$/, "");
  const keySetting = settings.privateKeySetting;
  const f = toFailure(error);
  const said = f.message ? ` ${f.message}` : "";
  if (f.status === null) {
    const code = causeCode(error);
    if (code === "TIMEOUT")
      return {
        message: `cannot reach GitHub at ${url}: no answer within ${settings.githubTimeoutMs} ms; check ${urlSetting} and the network`,
        setting: urlSetting,
        transient: true,
      };
    if (code && TLS_CODES.test(code))
      return {
        message: `cannot reach GitHub at ${url}: its TLS certificate is not trusted (${code}); for a private certificate authority set NODE_EXTRA_CA_CERTS, else check ${urlSetting}`,
        setting: "NODE_EXTRA_CA_CERTS",
        transient: false,
      };
    return {
      message: `cannot reach GitHub at ${url} (${f.message || code || "no answer"}); check ${urlSetting} and the network`,
      setting: urlSetting,
      transient: true,
    };
  }
  if (f.status === 401) {
    if (/'(exp|iat)'|expiration time|issued at/i.test(f.message))
      return {
        message: `GitHub rejected the App's token for its time (401${said}); check this machine's clock`,
        setting: "clock",
        transient: false,
      };
    return {
      message: `GitHub rejected the App's credentials (401${said}): check APP_ID (${settings.appId}) and ${keySetting}; the key must be a private key of that App on ${url}`,
      setting: `APP_ID, ${keySetting}`,
      transient: false,
    };
  }
  if (f.status === 404 || f.status === 200 || (f.status >= 300 && f.status < 400))
    return {
      message: `${url}/app is not GitHub's API (${f.status === 200 ? "the answer is not a GitHub App" : `HTTP ${f.status}${said}`}): check ${urlSetting}; for GitHub Enterprise Server it is https://HOST/api/v3`,
      setting: urlSetting,
      transient: false,
    };
  if (f.status === 403)
    return {
      message: `GitHub refused the App (403${said}): check that this server may reach ${url} (an IP allow list) and APP_ID (${settings.appId})`,
      setting: "APP_ID",
      transient: false,
    };
  return {
    message: `GitHub at ${url} answered ${f.status}${said}; retrying`,
    setting: null,
    transient: true,
  };
}
