/**
 * The repository's stack files, read the way the Pulumi engine hands them to the program: the
 * `config:` map with every value a string (structured values as JSON). `readStackConfig` in
 * `config.ts` turns that into the raw values `parseConfig` validates. Used by the tests and the
 * local rehearsal, which have no engine; `pulumi up` itself never reads these files here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { readStackConfig, type RawConfig } from "./config";

/** The stack files this repository ships. */
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** The repository root, where the stack files are. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Whether `value` names a stack file of this repository. */
export function isStackName(value: string): value is StackName {
  return (STACKS as readonly string[]).includes(value);
}

/** The `config:` map of `Pulumi.<stack>.yaml`, as the engine passes it (`greenlight:key` → string). */
export function stackFileConfig(stack: StackName, root = REPO_ROOT): Record<string, string> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/** The raw `greenlight:*` values of a stack file, ready for `parseConfig`. */
export function stackFileRaw(stack: StackName, root = REPO_ROOT): RawConfig {
  return readStackConfig(stackFileConfig(stack, root));
}
