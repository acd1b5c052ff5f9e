/** Turns the schema's issues into Greenlight's messages: the key as written, then what to do. */
import type { z } from "zod";
import { NAMESPACE } from "./choices";
import { UNKNOWN_KEY_SEPARATOR } from "./fields";

/** The key as the user writes it: `greenlight:services[1].cpu`. */
export function keyOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return NAMESPACE;
  const [first, ...rest] = path;
  return (
    `${NAMESPACE}:${String(first)}` +
    rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")
  );
}

/** One message per problem, every problem of every section. */
export function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  base: readonly PropertyKey[] = [],
): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const messages = issue.message.split(UNKNOWN_KEY_SEPARATOR);
      issue.keys.forEach((key, i) => out.push(`${keyOf([...path, key])} ${messages[i]}`));
    } else if (issue.code === "invalid_key") {
      out.push(...issue.issues.map((inner) => `${keyOf(path)} ${inner.message}`));
    } else if (issue.code === "invalid_union") {
      out.push(...unionProblems(issue, path));
    } else {
      out.push(`${keyOf(path)} ${issue.message}`);
    }
  }
  return out;
}

/**
 * A union (a name or a map; a count or a list): when the value has the type of one branch, that
 * branch's problems say more than "choose one of"; otherwise the union's own message.
 */
function unionProblems(
  issue: z.core.$ZodIssueInvalidUnion,
  path: readonly PropertyKey[],
): string[] {
  const matching = issue.errors.filter(
    (branch) =>
      !branch.some(
        (inner) =>
          inner.path.length === 0 &&
          (inner.code === "invalid_value" ||
            (inner.code === "invalid_type" && inner.expected !== "int")),
      ),
  );
  if (matching.length === 1) return problemsOf(matching[0], path);
  return [`${keyOf(path)} ${issue.message}`];
}
