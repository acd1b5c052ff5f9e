/**
 * Knowing what runs where: the release record the live hook writes to SSM Parameter Store when a
 * deployment is declared live (SSM keeps every version of a parameter, so the history is the list
 * of releases), and the stack index the Pulumi program writes, which tells `npm run status` where
 * each service's ECS service, CodeDeploy group and pipeline are.
 */

/** Where a service's live release is recorded: `/greenlight/<env>/<service>/live`. */
export function releaseParameterName(environment: string, service: string): string {
  return `/greenlight/${environment}/${service}/live`;
}

/** Where the Pulumi program writes the stack index: `/greenlight/<env>/stack`. */
export function stackIndexParameterName(environment: string): string {
  return `/greenlight/${environment}/stack`;
}

/** The path prefix of every Greenlight parameter of an environment (for IAM). */
export function parameterPathPrefix(environment: string): string {
  return `/greenlight/${environment}/`;
}

/** One release: what went live, where, by whom, why and when. Stored as JSON. */
export interface ReleaseRecord {
  readonly environment: string;
  readonly service: string;
  readonly version: string;
  /** The image, pinned by digest (`<repository>@sha256:…`). */
  readonly imageUri: string;
  readonly commit: string;
  readonly ref: string;
  readonly refType: "branch" | "tag";
  /** The commit message's first line: the "why". */
  readonly commitMessage: string;
  /** Who: the commit author. */
  readonly author: string;
  /** When it was declared live (ISO 8601). */
  readonly deployedAt: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
  readonly application: string;
  readonly deploymentGroup: string;
  /** How long the deployment took until it was declared live, ms. */
  readonly durationMs?: number;
  /** A promoted release: the environment it was promoted from and the deployment live there. */
  readonly promotedFrom?: { readonly environment: string; readonly deploymentId: string };
}

/** `promoted from staging, deployment d-…`, or `undefined` for a release built here. */
export function promotionNote(record: ReleaseRecord): string | undefined {
  const from = record.promotedFrom;
  if (from === undefined) return undefined;
  return `promoted from ${from.environment}${from.deploymentId === "" ? "" : `, deployment ${from.deploymentId}`}`;
}

/** One service in the stack index. */
export interface StackIndexService {
  readonly ecsService: string;
  readonly deploymentGroup: string;
  readonly pipeline: string;
  readonly logGroup: string;
  readonly prodUrl: string;
}

/** The stack index: written by the Pulumi program, read by `npm run status`. Stored as JSON. */
export interface StackIndex {
  readonly environment: string;
  readonly region: string;
  readonly cluster: string;
  readonly application: string;
  readonly services: Readonly<Record<string, StackIndexService>>;
}

/**
 * The most bytes a Standard-tier parameter value holds (4 KB). The record is written to the
 * Standard tier (free); its commit message is shortened to fit.
 */
export const RELEASE_RECORD_MAX_BYTES = 4096;

/** A record or an index that cannot be written or read; the message says what is wrong. */
export class ReleaseRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseRecordError";
  }
}

/**
 * The record as the JSON value of its parameter, at most `maxBytes` bytes (UTF-8): when it is too
 * long, the commit message is cut (with an ellipsis) until it fits. Pure; throws
 * {@link ReleaseRecordError} when even an empty commit message does not fit.
 */
export function serialiseReleaseRecord(
  record: ReleaseRecord,
  maxBytes: number = RELEASE_RECORD_MAX_BYTES,
): string {
  const encode = (commitMessage: string): string => JSON.stringify({ ...record, commitMessage });
  const full = encode(record.commitMessage);
  if (Buffer.byteLength(full) <= maxBytes) return full;
  const chars = [...record.commitMessage];
  const fits = (length: number): boolean =>
    Buffer.byteLength(encode(cutMessage(chars, length))) <= maxBytes;
  if (!fits(0)) {
    throw new ReleaseRecordError(
      `the release record of ${record.service} in ${record.environment} is longer than ` +
        `${maxBytes} bytes even without its commit message`,
    );
  }
  // The longest cut that fits: fits(lo) holds, fits(hi) does not.
  let lo = 0;
  let hi = chars.length;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return encode(cutMessage(chars, lo));
}

function cutMessage(chars: readonly string[], length: number): string {
  if (length <= 0) return "";
  return `${chars.slice(0, length - 1).join("")}…`;
}

/** Reads a release record from its parameter's value. Pure; throws {@link ReleaseRecordError}. */
export function parseReleaseRecord(value: string): ReleaseRecord {
  const document = parseObject(value, "release record");
  const text = (key: keyof ReleaseRecord, required = true): string => {
    const field = document[key];
    if (typeof field === "string") return field;
    if (!required && field === undefined) return "";
    throw new ReleaseRecordError(`the release record has no string "${key}"`);
  };
  const durationMs = document.durationMs;
  const promoted = document.promotedFrom as Record<string, unknown> | undefined;
  const promotedFrom =
    typeof promoted === "object" &&
    promoted !== null &&
    typeof promoted.environment === "string" &&
    promoted.environment !== ""
      ? {
          environment: promoted.environment,
          deploymentId: typeof promoted.deploymentId === "string" ? promoted.deploymentId : "",
        }
      : undefined;
  return {
    environment: text("environment"),
    service: text("service"),
    version: text("version"),
    imageUri: text("imageUri", false),
    commit: text("commit", false),
    ref: text("ref", false),
    refType: document.refType === "tag" ? "tag" : "branch",
    commitMessage: text("commitMessage", false),
    author: text("author", false),
    deployedAt: text("deployedAt"),
    deploymentId: text("deploymentId", false),
    taskDefinitionArn: text("taskDefinitionArn", false),
    application: text("application", false),
    deploymentGroup: text("deploymentGroup", false),
    ...(typeof durationMs === "number" && Number.isFinite(durationMs) ? { durationMs } : {}),
    ...(promotedFrom === undefined ? {} : { promotedFrom }),
  };
}

/** Reads the stack index from its parameter's value. Pure; throws {@link ReleaseRecordError}. */
export function parseStackIndex(value: string): StackIndex {
  const document = parseObject(value, "stack index");
  // `application` and `deploymentGroup` are "" on the ecs engine (no CodeDeploy), so they may be
  // empty; every other name must be set.
  const text = (
    record: Record<string, unknown>,
    key: string,
    where: string,
    mayBeEmpty = false,
  ): string => {
    const field = record[key];
    if (typeof field !== "string" || (field === "" && !mayBeEmpty)) {
      throw new ReleaseRecordError(`the stack index has no string "${where}${key}"`);
    }
    return field;
  };
  const rawServices = document.services;
  if (typeof rawServices !== "object" || rawServices === null || Array.isArray(rawServices)) {
    throw new ReleaseRecordError('the stack index has no "services" object');
  }
  const services: Record<string, StackIndexService> = {};
  for (const [name, raw] of Object.entries(rawServices as Record<string, unknown>)) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new ReleaseRecordError(`the stack index entry of service "${name}" is not an object`);
    }
    const entry = raw as Record<string, unknown>;
    const optional = (key: string): string => (typeof entry[key] === "string" ? entry[key] : "");
    services[name] = {
      ecsService: text(entry, "ecsService", `services.${name}.`),
      deploymentGroup: text(entry, "deploymentGroup", `services.${name}.`, true),
      pipeline: optional("pipeline"),
      logGroup: optional("logGroup"),
      prodUrl: optional("prodUrl"),
    };
  }
  return {
    environment: text(document, "environment", ""),
    region: text(document, "region", ""),
    cluster: text(document, "cluster", ""),
    application: text(document, "application", "", true),
    services,
  };
}

function parseObject(value: string, what: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch {
    throw new ReleaseRecordError(`the ${what} is not JSON`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new ReleaseRecordError(`the ${what} is not a JSON object`);
  }
  return document as Record<string, unknown>;
}
