// extends: merging policy files, remembering for every value which file (and where in it) it came from.
import { kindNames } from "../checks/registry.js";
import type { Origin, OriginOf } from "./issues.js";
import type { Path, Source } from "./yaml-source.js";

export type Raw = Record<string, unknown>;

/** Policy data (as written, before defaults) plus where each part of it came from. */
export interface Layer {
  data: Raw;
  origin: OriginOf;
}

const isRecord = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const has = (v: unknown, key: PropertyKey): boolean => isRecord(v) && Object.hasOwn(v, key as string);
const isRemoval = (v: unknown): boolean => v === null || v === false;

export function sourceLayer(src: Source): Layer {
  return { data: isRecord(src.data) ? src.data : {}, origin: (path) => ({ src, path }) };
}

/** `checks.<id>: null | false` entries of a file that extends nothing: they have nothing to remove. */
export function removalsOf(layer: Layer): Origin[] {
  const checks = layer.data.checks;
  if (!isRecord(checks)) return [];
  return Object.keys(checks)
    .filter((id) => isRemoval(checks[id]))
    .map((id) => layer.origin(["checks", id]));
}

/** Fields merged one level down: `gate`, `applies`, `commands`. */
const SHALLOW = new Set(["gate", "applies", "commands"]);

/**
 * `over` on top of `base`. Later wins; `categories` merge by id, field by field (`levels` likewise); `checks` merge by id, field
 * by field, except that an override naming a kind drops the inherited kind, and null/false removes the
 * check; `waivers` concatenate; `gate`, `applies` and `commands` merge field by field; anything else is
 * replaced. `removedNothing` collects removals of checks `base` does not have.
 */
export function mergeLayers(base: Layer, over: Layer, removedNothing: Origin[]): Layer {
  const b = base.data;
  const o = over.data;
  const out: Raw = { ...b };
  for (const key of Object.keys(o)) {
    const ov = o[key];
    const bv = b[key];
    if (SHALLOW.has(key) && isRecord(ov) && isRecord(bv)) {
      out[key] = { ...bv, ...ov };
    } else if ((key === "categories" || key === "levels") && isRecord(ov)) {
      const merged = new Map(Object.entries(isRecord(bv) ? bv : {}));
      for (const [id, v] of Object.entries(ov)) {
        const inherited = merged.get(id);
        merged.set(id, isRecord(inherited) && isRecord(v) ? { ...inherited, ...v } : v);
      }
      out[key] = Object.fromEntries(merged);
    } else if (key === "checks" && isRecord(ov)) {
      const merged = new Map(Object.entries(isRecord(bv) ? bv : {}).filter(([, v]) => isRecord(v)));
      for (const [id, v] of Object.entries(ov)) {
        const inherited = merged.get(id);
        if (isRemoval(v)) {
          if (inherited === undefined) removedNothing.push(over.origin(["checks", id]));
          merged.delete(id);
        } else if (isRecord(inherited) && isRecord(v)) {
          const namesKind = kindNames.some((k) => v[k] !== undefined);
          const kept = Object.entries(inherited).filter(
            ([field]) => !(namesKind && (kindNames as string[]).includes(field)),
          );
          merged.set(id, { ...Object.fromEntries(kept), ...v });
        } else merged.set(id, v);
      }
      out[key] = Object.fromEntries(merged);
    } else if (key === "waivers" && Array.isArray(ov)) {
      out[key] = [...(Array.isArray(bv) ? bv : []), ...ov];
    } else {
      out[key] = ov;
    }
  }
  const baseWaivers = Array.isArray(b.waivers) ? b.waivers.length : 0;
  const origin = (path: Path): Origin => {
    if (path.length === 0) return over.origin(path);
    const [key, id, field] = path;
    const ov = o[key as string];
    if (!has(o, key!)) return base.origin(path);
    if (path.length === 1) return over.origin(path);
    if (key === "waivers" && typeof id === "number") {
      return id < baseWaivers
        ? base.origin(path)
        : over.origin(["waivers", id - baseWaivers, ...path.slice(2)]);
    }
    if (SHALLOW.has(key as string)) return (has(ov, id!) ? over : base).origin(path);
    if (key === "categories" || key === "checks" || key === "levels") {
      if (!has(ov, id!)) return base.origin(path);
      if (path.length === 2) return over.origin(path);
      const entry = (ov as Raw)[id as string];
      return (has(entry, field!) ? over : base).origin(path);
    }
    return over.origin(path);
  };
  return { data: out, origin };
}
