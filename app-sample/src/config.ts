/**
 * Reads the sample service's settings from its environment, once, with messages that name the
 * variable and say how to fix it.
 */

/**
 * Build metadata environment variable names. They repeat the contract in
 * `hooks/core/build-metadata.ts` (`BuildEnv`) at the repository root: this folder is its own Docker
 * build context, so it cannot import from outside. Change both together.
 */
export const BuildEnv = {
  version: "GREENLIGHT_VERSION",
  commit: "GREENLIGHT_COMMIT",
  ref: "GREENLIGHT_REF",
  refType: "GREENLIGHT_REF_TYPE",
  commitMessage: "GREENLIGHT_COMMIT_MESSAGE",
  author: "GREENLIGHT_AUTHOR",
  service: "GREENLIGHT_SERVICE",
  environment: "GREENLIGHT_ENVIRONMENT",
  versionPath: "GREENLIGHT_VERSION_PATH",
} as const;

/** Runtime settings that are not part of the build metadata contract. */
export const RuntimeEnv = {
  port: "PORT",
  host: "HOST",
  logLevel: "LOG_LEVEL",
  accessLog: "GREENLIGHT_ACCESS_LOG",
  shutdownTimeoutMs: "SHUTDOWN_TIMEOUT_MS",
  keepAliveTimeoutMs: "KEEP_ALIVE_TIMEOUT_MS",
  unhealthy: "GREENLIGHT_SAMPLE_UNHEALTHY",
  responseDelayMs: "GREENLIGHT_SAMPLE_DELAY_MS",
} as const;

/** The version answered when the pipeline did not set `GREENLIGHT_VERSION`. */
export const DEV_VERSION = "0.0.0-dev";

/** The path of the health check; the version path may not take it. */
export const HEALTH_PATH = "/health";

/** Log levels, quietest last. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `branch` or `tag`, as in the contract. */
export type RefType = "branch" | "tag";

/**
 * What the service says about its build on the version path: the contract's `VersionDocument`
 * minus `startedAt`, which the app adds when it starts.
 */
export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly ref: string;
  readonly refType: RefType;
  readonly commitMessage: string;
  readonly author: string;
  readonly service: string;
  readonly environment: string;
}

/** Every setting of the sample service. */
export interface AppConfig {
  /** TCP port to listen on; 0 picks a free one. `PORT`, default 8080. */
  readonly port: number;
  /** Address to bind. `HOST`, default `0.0.0.0`. */
  readonly host: string;
  /** Path that answers the version document. `GREENLIGHT_VERSION_PATH`, default `/version`. */
  readonly versionPath: string;
  /** Build metadata from the `GREENLIGHT_*` variables. */
  readonly build: BuildInfo;
  /** Least severe level written. `LOG_LEVEL`, default `info`. */
  readonly logLevel: LogLevel;
  /** One JSON line per request (at `info`). `GREENLIGHT_ACCESS_LOG=off` disables, default on. */
  readonly accessLog: boolean;
  /** Bound on a graceful shutdown before connections are cut. `SHUTDOWN_TIMEOUT_MS`, default 10000. */
  readonly shutdownTimeoutMs: number;
  /**
   * Idle keep-alive timeout. Keep it above the load balancer's idle timeout (ALB: 60 s), so the
   * balancer, not the service, closes idle connections. `KEEP_ALIVE_TIMEOUT_MS`, default 65000.
   */
  readonly keepAliveTimeoutMs: number;
  /** Rehearsal switch: `/health` answers 503, as a broken build would. `GREENLIGHT_SAMPLE_UNHEALTHY=1`. */
  readonly unhealthy: boolean;
  /**
   * Rehearsal switch: delay every version response by this many ms, to have requests in flight
   * during a cutover. `GREENLIGHT_SAMPLE_DELAY_MS`, default 0 (at most 60000).
   */
  readonly responseDelayMs: number;
}

/** A setting that cannot be used; the message names the variable and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "0.0.0.0";
export const DEFAULT_VERSION_PATH = "/version";
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;
const MAX_RESPONSE_DELAY_MS = 60_000;

type Env = Readonly<Record<string, string | undefined>>;

/** The value of `name`, or undefined when unset or blank. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(
      `${name} is "${raw}"; use a whole number from ${min} to ${max} (unset means ${fallback}).`,
    );
  }
  return Number(raw);
}

const TRUE_WORDS = ["1", "true", "yes", "on"];
const FALSE_WORDS = ["0", "false", "no", "off"];

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const word = raw.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new ConfigError(
    `${name} is "${raw}"; use one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(", ")}.`,
  );
}

function logLevel(env: Env): LogLevel {
  const raw = read(env, RuntimeEnv.logLevel);
  if (raw === undefined) return "info";
  const level = LOG_LEVELS.find((candidate) => candidate === raw.toLowerCase());
  if (level === undefined) {
    throw new ConfigError(
      `${RuntimeEnv.logLevel} is "${raw}"; use one of ${LOG_LEVELS.join(", ")}.`,
    );
  }
  return level;
}

function versionPath(env: Env): string {
  const path = read(env, BuildEnv.versionPath) ?? DEFAULT_VERSION_PATH;
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path) || path.includes("//")) {
    throw new ConfigError(
      `${BuildEnv.versionPath} is "${path}"; use an absolute URL path such as /version ` +
        "(letters, digits, . _ ~ - and single slashes, no query).",
    );
  }
  if (path === HEALTH_PATH) {
    throw new ConfigError(
      `${BuildEnv.versionPath} is "${path}", which is the health check path; choose another, such as /version.`,
    );
  }
  return path;
}

/**
 * Reads the build metadata as the live hook does (`buildMetadataFromEnvironment` in the contract):
 * unset fields are empty strings and any `GREENLIGHT_REF_TYPE` other than `tag` means `branch`.
 * The one difference: an unset version reads as {@link DEV_VERSION}, so a local run still answers.
 */
export function buildInfoFromEnvironment(env: Env): BuildInfo {
  return {
    version: read(env, BuildEnv.version) ?? DEV_VERSION,
    commit: env[BuildEnv.commit] ?? "",
    ref: env[BuildEnv.ref] ?? "",
    refType: env[BuildEnv.refType] === "tag" ? "tag" : "branch",
    commitMessage: env[BuildEnv.commitMessage] ?? "",
    author: env[BuildEnv.author] ?? "",
    service: env[BuildEnv.service] ?? "",
    environment: env[BuildEnv.environment] ?? "",
  };
}

/**
 * Reads every setting from `env` (normally `process.env`).
 * @throws ConfigError naming the first unusable variable.
 */
export function loadConfig(env: Env): AppConfig {
  return {
    port: integer(env, RuntimeEnv.port, DEFAULT_PORT, 0, 65_535),
    host: read(env, RuntimeEnv.host) ?? DEFAULT_HOST,
    versionPath: versionPath(env),
    build: buildInfoFromEnvironment(env),
    logLevel: logLevel(env),
    accessLog: flag(env, RuntimeEnv.accessLog, true),
    shutdownTimeoutMs: integer(
      env,
      RuntimeEnv.shutdownTimeoutMs,
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
      1,
      600_000,
    ),
    keepAliveTimeoutMs: integer(
      env,
      RuntimeEnv.keepAliveTimeoutMs,
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      1_000,
      3_600_000,
    ),
    unhealthy: flag(env, RuntimeEnv.unhealthy, false),
    responseDelayMs: integer(env, RuntimeEnv.responseDelayMs, 0, 0, MAX_RESPONSE_DELAY_MS),
  };
}
