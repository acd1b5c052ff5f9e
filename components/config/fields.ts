/**
 * The building blocks of the configuration schema: zod types that carry Greenlight's messages.
 * Each message is the part after the key ("is 0; use a value from 1 to 65535."); `problems.ts`
 * puts the key in front, as the user writes it (`greenlight:services[0].containerPort`).
 */
import { z } from "zod";
import { cidrProblem } from "../cidr";

/** What a missing required key says unless the field says better. */
export const REQUIRED = "is required; set it in the stack file.";

/** Separates the per-key messages of one unknown-keys issue (see `problems.ts`). */
export const UNKNOWN_KEY_SEPARATOR = "\u0000";

interface Issue {
  readonly input?: unknown;
}

/** A value as a message shows it: `a list`, `a map`, `number 5`, `string "x"`. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a map";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** `a, b or c`. */
export function humanList(items: readonly (string | number)[]): string {
  const texts = items.map(String);
  return texts.length <= 1
    ? texts.join("")
    : `${texts.slice(0, -1).join(", ")} or ${texts[texts.length - 1]}`;
}

/** The wrong-type message, or the required one when the key is missing. */
function typeError(wrong: (input: unknown) => string, required = REQUIRED) {
  return (iss: Issue) => (iss.input === undefined ? required : wrong(iss.input));
}

export interface IntegerRule {
  readonly min?: number;
  readonly max?: number;
  /** Why the range is what it is, said before "use a value from …". */
  readonly help?: string;
  readonly required?: string;
}

/** A whole number, optionally bounded. */
export function integer(rule: IntegerRule = {}) {
  const bounds =
    rule.max === undefined
      ? `at least ${rule.min}`
      : rule.min === undefined
        ? `at most ${rule.max}`
        : `from ${rule.min} to ${rule.max}`;
  const outOfRange = (iss: Issue) =>
    `is ${String(iss.input)}; ${rule.help ? `${rule.help}: ` : ""}use a value ${bounds}.`;
  let schema = z
    .number({ error: typeError((v) => `must be a number, not ${describe(v)}.`, rule.required) })
    .int({ error: (iss: Issue) => `is ${String(iss.input)}; use a whole number.`, abort: true });
  if (rule.min !== undefined) schema = schema.min(rule.min, { error: outOfRange, abort: true });
  if (rule.max !== undefined) schema = schema.max(rule.max, { error: outOfRange, abort: true });
  return schema;
}

/** One of a fixed set of numbers; `choose` is the message after "is <value>; ". */
export function numberChoice<const T extends readonly [number, ...number[]]>(
  values: T,
  choose = `choose one of ${humanList(values)}.`,
) {
  return z.literal(values, {
    error: typeError((v) =>
      typeof v === "number" ? `is ${v}; ${choose}` : `must be a number, not ${describe(v)}.`,
    ),
  });
}

/** One of a fixed set of names. */
export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  const choose = `choose one of ${humanList(values)}.`;
  return z.enum(values, {
    error: typeError((v) => `is ${JSON.stringify(v)}; ${choose}`, `is required; ${choose}`),
  });
}

export function boolean() {
  return z.boolean({ error: typeError((v) => `must be true or false, not ${describe(v)}.`) });
}

export interface StringRule {
  readonly pattern?: RegExp;
  /** What to write instead, when the pattern does not match. */
  readonly help?: string;
  readonly required?: string;
}

/** A non-empty string, optionally matching a pattern. */
export function string(rule: StringRule = {}) {
  const wrong = typeError((v) => `must be a non-empty string, not ${describe(v)}.`, rule.required);
  const schema = z.string({ error: wrong }).min(1, { error: wrong, abort: true });
  const { pattern } = rule;
  if (!pattern) return schema;
  return schema.regex(pattern, {
    error: (iss: Issue) =>
      `is ${JSON.stringify(iss.input)}; ${rule.help ?? `it must match ${pattern}`}.`,
  });
}

/** An IPv4 CIDR block, with cidr.ts's explanation when it is not one. */
export function cidr() {
  return string().refine((text) => cidrProblem(text) === undefined, {
    error: (iss: Issue) => `is ${JSON.stringify(iss.input)}; it ${cidrProblem(String(iss.input))}.`,
    abort: true,
  });
}

export interface ListRule {
  readonly minLength?: number;
  readonly required?: string;
}

/** A list; each item names its own problems (`key[2] is …`). */
export function list<T extends z.ZodType>(item: T, rule: ListRule = {}) {
  const schema = z.array(item, {
    error: typeError(
      (v) => `must be a list, not ${describe(v)}.`,
      rule.required ?? "is required; set it to a list in the stack file.",
    ),
  });
  const min = rule.minLength;
  if (min === undefined) return schema;
  return schema.min(min, {
    error: (iss: Issue) => {
      const n = Array.isArray(iss.input) ? iss.input.length : 0;
      return `has ${n} entr${n === 1 ? "y" : "ies"}; list at least ${min}.`;
    },
  });
}

/** A list item that is a non-empty string, optionally matching a pattern. */
export function item(rule: StringRule = {}) {
  const empty = (iss: Issue) => `is ${describe(iss.input)}; use a non-empty string.`;
  const schema = z
    .string({ error: empty })
    .refine((s) => s.trim().length > 0, { error: empty, abort: true });
  const { pattern } = rule;
  if (!pattern) return schema;
  return schema.refine((s) => pattern.test(s), {
    error: (iss: Issue) =>
      `is ${JSON.stringify(iss.input)}; ${rule.help ?? `it must match ${pattern}`}.`,
  });
}

/** A list of CIDR blocks. */
export function cidrList() {
  return list(
    item().refine((text) => cidrProblem(text) === undefined, {
      error: (iss: Issue) =>
        `is ${JSON.stringify(iss.input)}; it ${cidrProblem(String(iss.input))}.`,
    }),
  );
}

/** A URL path such as `/health`; `example` is shown in the fix. */
export function urlPath(example: string) {
  const slash = (iss: Issue) =>
    `is ${JSON.stringify(iss.input)}; a path must start with "/" (e.g. ${example}).`;
  const plain = (iss: Issue) =>
    `is ${JSON.stringify(iss.input)}; use a plain path without spaces, query or fragment.`;
  return z
    .string({ error: typeError((v) => slash({ input: v })) })
    .startsWith("/", { error: slash, abort: true })
    .max(1024, { error: plain, abort: true })
    .regex(/^[^\s?#]*$/, { error: plain });
}

/** A folder or file inside the repository: relative, without `..`; a trailing slash is dropped. */
export function repoPath() {
  const shown = (iss: Issue) => `is ${JSON.stringify(iss.input)}`;
  return string()
    .refine((t) => !t.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(t), {
      error: (iss: Issue) =>
        `${shown(iss)}, an absolute path; give the folder relative to the repository root (e.g. services/api).`,
      abort: true,
    })
    .refine((t) => !t.split(/[\\/]/).includes(".."), {
      error: (iss: Issue) =>
        `${shown(iss)}, which climbs out of the repository with ".."; give a folder inside it.`,
      abort: true,
    })
    .refine((t) => !/[\s*?[\]{}]/.test(t), {
      error: (iss: Issue) =>
        `${shown(iss)}; use a plain folder path without spaces or glob characters.`,
    })
    .transform((t) => t.replace(/\/+$/, ""));
}

/**
 * A container environment variable's name; `reserved` says why a name the platform sets may not
 * be used (the message after the key), or returns undefined.
 */
export function environmentName(reserved: (name: string) => string | undefined = () => undefined) {
  return z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
      error: "is not a valid environment variable name; use letters, digits and underscores.",
      abort: true,
    })
    .refine((k) => !k.startsWith("GREENLIGHT_"), {
      error:
        "uses the GREENLIGHT_ prefix, which the pipeline reserves for build metadata; rename it.",
      abort: true,
    })
    .refine((k) => reserved(k) === undefined, {
      error: (iss: Issue) => reserved(String(iss.input)),
    });
}

/** Container environment: `NAME: value`, values as strings. */
export function environmentMap(reserved?: (name: string) => string | undefined) {
  const name = environmentName(reserved);
  const value = z
    .union([z.string(), z.number(), z.boolean()], {
      error: (iss: Issue) => `must be a string, number or boolean, not ${describe(iss.input)}.`,
    })
    .transform(String);
  return z.record(name, value, {
    error: typeError((v) => `must be a map of NAME: value, not ${describe(v)}.`),
  });
}

export interface MapRule {
  readonly required?: string;
  /** Further keys that are read elsewhere (offered as suggestions, never reported as unknown). */
  readonly alsoKnown?: readonly string[];
}

/** A map of settings: a key it does not know is reported, with the nearest known one. */
export function settings<T extends z.core.$ZodLooseShape>(shape: T, rule: MapRule = {}) {
  const known = [...Object.keys(shape), ...(rule.alsoKnown ?? [])];
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys") {
        return iss.keys.map((key) => unknownKeyMessage(key, known)).join(UNKNOWN_KEY_SEPARATOR);
      }
      return typeError(
        (v) => `must be a map of settings, not ${describe(v)}.`,
        rule.required ?? "is required; add it to the stack file (Pulumi.<stack>.yaml).",
      )(iss);
    },
  });
}

/** "is not a Greenlight setting", with the nearest known key or the list of them. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = nearestKey(key, known);
  return `is not a Greenlight setting${near ? `; did you mean ${near}?` : `; known settings: ${known.join(", ")}.`}`;
}

/**
 * The known key a typo most likely meant: the same key in other case, a prefix either way, or
 * the closest by edit distance (at most a third of its length, and at least 1 edit allowed).
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  const prefix = known.find((k) => {
    const kl = k.toLowerCase();
    return kl.startsWith(lower) || lower.startsWith(kl);
  });
  if (prefix) return prefix;
  let best: { key: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(lower, k.toLowerCase());
    if (distance <= Math.max(1, Math.floor(k.length / 3)) && (!best || distance < best.distance)) {
      best = { key: k, distance };
    }
  }
  return best?.key;
}

/**
 * Levenshtein distance. Written here (a dozen lines over keys of a few dozen characters) rather
 * than taken as a dependency for one loop.
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
