// HTML building with escaping by default: `h` escapes every interpolated value unless it is already markup
// built by `h` (Raw). Nothing a repository, a policy or a comment wrote reaches a page unescaped.
import { createHash } from "node:crypto";

export class Raw {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export type Value = Raw | string | number | boolean | null | undefined | Value[];

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

export const esc = (s: string): string => s.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);

function piece(v: Value): string {
  if (v instanceof Raw) return v.html;
  if (Array.isArray(v)) return v.map(piece).join("");
  if (v === null || v === undefined || v === false) return "";
  return esc(String(v));
}

export function h(strings: TemplateStringsArray, ...values: Value[]): Raw {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += piece(v) + (strings[i + 1] ?? "");
  });
  return new Raw(out);
}

/** An http(s) URL fit for an href, else null (javascript:, data: and relative tricks never become links). */
export function safeHref(url: string | null | undefined): string | null {
  if (!url || url.length > 2000) return null;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : null;
  } catch {
    return null;
  }
}

/** A link, or the text alone when the URL is not one to follow. */
export function link(url: string | null | undefined, text: Value, attrs = ""): Raw {
  const href = safeHref(url);
  return href ? h`<a href="${href}"${new Raw(attrs)}>${text}</a>` : h`${text}`;
}

/** `/dashboard?…` with these parameters (empty ones left out). */
export function pathWith(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const CSS = `
:root{--go:#1a7f37;--nogo:#cf222e;--pending:#9a6700;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328}
header.top{display:flex;align-items:center;gap:16px;padding:10px 24px;background:#24292f;color:#fff}
header.top a{color:#fff;text-decoration:none;font-weight:600}header.top .who{margin-left:auto;display:flex;gap:10px;align-items:center}
header.top button{background:none;border:1px solid #8c959f;color:#fff;border-radius:6px;padding:2px 10px;cursor:pointer}
main{padding:16px 24px;max-width:1400px}h1{font-size:20px;margin:8px 0 12px}h2{font-size:16px;margin:24px 0 8px}
a{color:#0969da}table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
th{background:var(--bg);font-weight:600;white-space:nowrap}th a{color:inherit}td.num,th.num{text-align:right}
.badge{display:inline-block;padding:1px 8px;border-radius:12px;color:#fff;font-weight:600;font-size:12px}
.go{background:var(--go)}.no-go{background:var(--nogo)}.pending{background:var(--pending)}.none{background:#8c959f}
.muted{color:var(--muted)}form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:0 0 12px;padding:10px;background:var(--bg);border:1px solid var(--line);border-radius:6px}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
form.filters input,form.filters select{font:inherit;padding:3px 6px;border:1px solid var(--line);border-radius:6px}
form.filters button{font:inherit;padding:4px 14px;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff}
nav.pages{display:flex;gap:12px;margin:12px 0}.warn{color:var(--pending)}.bars{display:flex;flex-direction:column;gap:2px}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:12px}
.facts{display:flex;flex-wrap:wrap;gap:24px;margin:8px 0}.facts div{display:flex;flex-direction:column}.facts b{font-size:18px}
`;

/** No script at all; the one stylesheet by its hash; forms post here only; never framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(CSS).digest("base64")}'`,
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export function layout(o: { title: string; viewer?: string; body: Raw }): string {
  const who = o.viewer
    ? h`<span class="who"><span>${o.viewer}</span><form method="post" action="/auth/logout"><button type="submit">Sign out</button></form></span>`
    : "";
  return `<!doctype html>${h`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${o.title}</title><style>${new Raw(CSS)}</style></head><body><header class="top"><a href="/dashboard">Readiness Gate</a>${who}</header><main>${o.body}</main></body></html>`}`;
}
