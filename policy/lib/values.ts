/**
 * Reading resource properties without being fooled by preview.
 *
 * During `pulumi preview` many properties are unknown (an id, an ARN, a name AWS generates, any
 * string built from them). @pulumi/policy hands policies a proxy that throws an
 * `UnknownValueError` when one of those is read. `resolve` copies the properties into plain data
 * and puts `UNKNOWN` where the engine does not know the value yet, so a policy can tell "absent"
 * (a violation) from "not known yet" (decide nothing) and still check everything that is known.
 */

/** A value the engine does not know yet (during preview). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** Plain, resolved properties of one resource. */
export type Props = Readonly<Record<string, unknown>>;

/** Whether a value is unknown during preview. */
export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

/**
 * @pulumi/policy's `UnknownValueError`, recognised by shape: the pack and the program may load two
 * copies of @pulumi/policy, so `instanceof` is not reliable.
 */
export function isUnknownValueError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "UnknownValueError" ||
      error.constructor.name === "UnknownValueError" ||
      "unknownTypeSentinel" in error)
  );
}

function read(container: object, key: string | number): unknown {
  try {
    return (container as Record<string | number, unknown>)[key];
  } catch (error) {
    if (isUnknownValueError(error)) return UNKNOWN;
    throw error;
  }
}

/**
 * A plain deep copy of a resource's properties (or any value inside them), with `UNKNOWN` in place
 * of every value the engine does not know yet.
 */
export function resolve(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    const length = read(value, "length");
    if (typeof length !== "number") return UNKNOWN;
    for (let i = 0; i < length; i++) out.push(resolve(read(value, i)));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = resolve(read(value, key));
  return out;
}

/** A resource's properties, resolved (see `resolve`). */
export function resolveProps(props: unknown): Props {
  return record(resolve(props)) ?? {};
}

/**
 * The value at a path inside resolved data: `UNKNOWN` as soon as the path crosses an unknown
 * value, `undefined` when a step is missing.
 */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (isUnknown(current)) return UNKNOWN;
    if (typeof step === "number") {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      const object = record(current);
      if (object === undefined) return undefined;
      current = object[step];
    }
  }
  return current;
}

/** A plain object (not an array), or undefined. */
export function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** An array, or undefined. */
export function list(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** A string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A number (numeric strings too: the engine may pass ports as strings), or undefined. */
export function num(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/** The known strings of a list, and whether some of its entries are unknown. */
export function strings(value: unknown): { known: string[]; someUnknown: boolean } {
  if (isUnknown(value)) return { known: [], someUnknown: true };
  const items = list(value) ?? [];
  return {
    known: items.filter((v): v is string => typeof v === "string"),
    someUnknown: items.some(isUnknown),
  };
}

/** Whether resolved data contains an unknown value anywhere. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  const object = record(value);
  return object !== undefined && Object.values(object).some(containsUnknown);
}

/**
 * Whether a reference (an id, ARN or name) names one of a resource's identifiers: `true` or
 * `false` when both sides are known, `undefined` when an unknown value leaves it open.
 */
export function refersTo(reference: unknown, identifiers: readonly unknown[]): boolean | undefined {
  if (isUnknown(reference)) return undefined;
  if (typeof reference !== "string") return false;
  if (identifiers.some((id) => id === reference)) return true;
  return identifiers.some(isUnknown) ? undefined : false;
}

/**
 * A resource's identifiers for `refersTo`: the values given, without the absent ones; `UNKNOWN`
 * when none is present (outputs may not carry every identifier, and absence proves nothing).
 */
export function identifiers(...values: readonly unknown[]): unknown[] {
  const present = values.filter((v) => v !== undefined && v !== null && v !== "");
  return present.length > 0 ? present : [UNKNOWN];
}

/**
 * Deep equality of resolved data; `undefined` when the answer depends on an unknown value.
 */
export function sameValue(a: unknown, b: unknown): boolean | undefined {
  if (isUnknown(a) || isUnknown(b)) return undefined;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return combine(a.map((item, i) => sameValue(item, b[i])));
  }
  const ra = record(a);
  const rb = record(b);
  if (ra !== undefined || rb !== undefined) {
    if (ra === undefined || rb === undefined) return false;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    return combine([...keys].map((key) => sameValue(ra[key], rb[key])));
  }
  return a === b;
}

function combine(results: readonly (boolean | undefined)[]): boolean | undefined {
  if (results.some((r) => r === false)) return false;
  return results.some((r) => r === undefined) ? undefined : true;
}
