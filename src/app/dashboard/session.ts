// Session and sign-in state cookies: a JSON payload and its HMAC-SHA256, keys derived from SESSION_SECRET.
// The user's GitHub token inside is encrypted (AES-256-GCM): a cookie that leaks from a browser's disk or a
// proxy's log gives the payload's login, never the token. Time is an argument.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

export const SESSION_COOKIE = "rg_session";
export const STATE_COOKIE = "rg_oauth";
/** A cookie longer than this is not looked at. */
const MAX_COOKIE = 4096;

export interface Session {
  /** Random per sign-in: keys the cache of what the viewer may read. */
  sid: string;
  login: string;
  userId: number;
  /** The user-to-server token (ghu_…). */
  token: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface SignInState {
  state: string;
  /** Where to go after signing in: a path on this server. */
  next: string;
  expiresAt: number;
}

type Purpose = "session" | "state";

export class CookieSealer {
  private readonly signKey: Buffer;
  private readonly encryptKey: Buffer;

  constructor(secret: string) {
    const derive = (info: string) =>
      Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), "readiness-gate", info, 32));
    this.signKey = derive("dashboard cookie signature");
    this.encryptKey = derive("dashboard token encryption");
  }

  sealSession(s: Session): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.encryptKey, iv);
    cipher.setAAD(Buffer.from(s.sid));
    const sealed = Buffer.concat([iv, cipher.update(s.token, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return this.sign("session", {
      sid: s.sid,
      login: s.login,
      uid: s.userId,
      exp: s.expiresAt,
      tok: sealed.toString("base64url"),
    });
  }

  /** The session, or null when the cookie is missing, forged, tampered with or expired. */
  openSession(cookie: string | undefined, nowSeconds: number): Session | null {
    const p = this.verify("session", cookie, nowSeconds);
    if (!p || typeof p.sid !== "string" || typeof p.login !== "string" || typeof p.tok !== "string")
      return null;
    try {
      const sealed = Buffer.from(p.tok, "base64url");
      if (sealed.length < 12 + 16 + 1) return null;
      const decipher = createDecipheriv("aes-256-gcm", this.encryptKey, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(p.sid));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const token = Buffer.concat([
        decipher.update(sealed.subarray(12, sealed.length - 16)),
        decipher.final(),
      ]);
      return {
        sid: p.sid,
        login: p.login,
        userId: Number(p.uid),
        token: token.toString("utf8"),
        expiresAt: Number(p.exp),
      };
    } catch {
      return null;
    }
  }

  sealState(s: SignInState): string {
    return this.sign("state", { st: s.state, next: s.next, exp: s.expiresAt });
  }

  openState(cookie: string | undefined, nowSeconds: number): SignInState | null {
    const p = this.verify("state", cookie, nowSeconds);
    if (!p || typeof p.st !== "string" || typeof p.next !== "string") return null;
    return { state: p.st, next: p.next, expiresAt: Number(p.exp) };
  }

  private sign(purpose: Purpose, payload: Record<string, unknown>): string {
    const body = Buffer.from(JSON.stringify({ p: purpose, ...payload })).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  private verify(purpose: Purpose, cookie: string | undefined, nowSeconds: number) {
    if (!cookie || cookie.length > MAX_COOKIE) return null;
    const dot = cookie.indexOf(".");
    if (dot < 1) return null;
    const body = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.mac(body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return null;
    }
    // A state cookie is never a session, nor the other way round.
    if (payload.p !== purpose) return null;
    const exp = Number(payload.exp);
    if (!Number.isFinite(exp) || exp <= nowSeconds) return null;
    return payload;
  }

  private mac(body: string): string {
    return createHmac("sha256", this.signKey).update(body).digest("base64url");
  }
}

/** Same-length constant-time comparison of two state strings. */
export function sameState(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export const newId = (): string => randomBytes(24).toString("base64url");

/** Cookies by name from a Cookie header (the first of a name wins, as browsers send the most specific first). */
export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header || header.length > 16_384) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  path?: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

export function setCookie(name: string, value: string, o: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${o.path ?? "/"}`,
    `Max-Age=${o.maxAge}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(o.secure ? ["Secure"] : []),
  ].join("; ");
}

/**
 * Where to go after signing in: a path on this server only (never `//host` or `/\host`, which browsers
 * read as another origin), else /dashboard.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || raw.length > 2000) return "/dashboard";
  if (!raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/dashboard";
  if (/[\u0000-\u001f\\]/.test(raw)) return "/dashboard";
  return raw;
}
