/**
 * Which region an environment lives in: `--region`, else `aws:region` of its stack file
 * (`Pulumi.<env>.yaml` in the repository), else the SDK's own chain (AWS_REGION, the profile).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Whether `value` looks like an AWS region (`eu-west-1`). */
export function isRegion(value: string): boolean {
  return REGION.test(value);
}

/** `aws:region` of `Pulumi.<env>.yaml` under `root`, when the file exists and sets one. */
export function stackFileRegion(root: string, environment: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, `Pulumi.${environment}.yaml`), "utf8");
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  const config = (doc as { config?: Record<string, unknown> } | null)?.config;
  const region = config?.["aws:region"];
  return typeof region === "string" && isRegion(region) ? region : undefined;
}

/** The environments that have a stack file under `root`, sorted. */
export function stackFileEnvironments(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names
    .map((name) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** The region for an environment: explicit, else its stack file's; `undefined`: the SDK's chain. */
export function regionFor(
  root: string,
  environment: string,
  explicit: string | undefined,
): string | undefined {
  return explicit ?? stackFileRegion(root, environment);
}

/**
 * The regions to look for stacks in when no environment is named: `--region`, else every region
 * the stack files name, else the SDK's chain (`[undefined]`).
 */
export function regionsToScan(root: string, explicit: string | undefined): (string | undefined)[] {
  if (explicit !== undefined) return [explicit];
  const regions = new Set<string>();
  for (const environment of stackFileEnvironments(root)) {
    const region = stackFileRegion(root, environment);
    if (region !== undefined) regions.add(region);
  }
  return regions.size === 0 ? [undefined] : [...regions].sort();
}
