/**
 * What every Lambda in `hooks/` shares about calling AWS: one retry configuration for the clients
 * (adaptive retry: backoff plus client-side rate limiting) and a helper that bounds every call by an
 * abort signal. No client is imported here, so each function's bundle loads only the clients it uses.
 */
import { raceAbort } from "../core/clock";
import type { Clock } from "../core/clock";
import { retryWithin, type AttemptFailure, type RetryPolicy } from "../core/retry";

/**
 * The retry configuration of every client: throttling (`ThrottlingException`, 429), 5xx, timeouts
 * and network errors are retried with the SDK's standard backoff. Not `adaptive`: its client-side
 * rate limiter can hold a call back for seconds after one throttling answer, which a hook with a
 * deadline cannot afford; the hook's own loops (`retryAws`, the report) retry across their window.
 */
export const AwsRetryConfig = {
  /** Attempts per call, the first included. */
  maxAttempts: 3,
  /** Exponential backoff with jitter. */
  retryMode: "standard",
} as const;

/**
 * How long one HTTP attempt of an AWS call may take. Without these the SDK waits forever on a hung
 * connection (its defaults are 0, no timeout), so one stuck call eats a function's whole budget;
 * with them a hung attempt is abandoned and retried like any transient error.
 */
export const AwsTimeoutDefaults = {
  /** Milliseconds to open the TCP (and TLS) connection. */
  connectionTimeoutMs: 2000,
  /** Milliseconds one attempt (request and response) may take. */
  attemptTimeoutMs: 5000,
} as const;

/** The environment variables that override {@link AwsTimeoutDefaults} (tests use short ones). */
export const AwsTimeoutEnv = {
  connectionTimeoutMs: "GREENLIGHT_AWS_CONNECTION_TIMEOUT_MS",
  attemptTimeoutMs: "GREENLIGHT_AWS_ATTEMPT_TIMEOUT_MS",
} as const;

/** Per-attempt timeouts of a function's clients. */
export interface AwsTimeouts {
  readonly connectionTimeoutMs: number;
  readonly attemptTimeoutMs: number;
}

/** The timeouts `env` asks for: each a positive whole number of milliseconds, else the default. Pure. */
export function awsTimeoutsFromEnv(env: Readonly<Record<string, string | undefined>>): AwsTimeouts {
  const read = (name: string, fallback: number): number => {
    const raw = env[name]?.trim() ?? "";
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    return Number.isSafeInteger(value) && value > 0 ? value : fallback;
  };
  return {
    connectionTimeoutMs: read(
      AwsTimeoutEnv.connectionTimeoutMs,
      AwsTimeoutDefaults.connectionTimeoutMs,
    ),
    attemptTimeoutMs: read(AwsTimeoutEnv.attemptTimeoutMs, AwsTimeoutDefaults.attemptTimeoutMs),
  };
}

/**
 * The `requestHandler` options (`NodeHttpHandlerOptions`) that enforce `timeouts`:
 * `connectionTimeout` for the connection; `requestTimeout` with `throwOnRequestTimeout` for the
 * whole attempt (`@smithy/node-http-handler` 4.x only logs a warning without it; older versions,
 * as a Lambda runtime may ship, treat `requestTimeout` as a socket idle timeout and throw); and
 * `socketTimeout` for a connection that goes silent.
 */
export function requestHandlerOptions(timeouts: AwsTimeouts): {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly throwOnRequestTimeout: true;
  readonly socketTimeout: number;
} {
  return {
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.attemptTimeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: timeouts.attemptTimeoutMs,
  };
}

/** Settings shared by a function's clients, for tests and private endpoints. */
export interface AwsClientConfig {
  /** @default - {@link AwsTimeoutDefaults} */
  readonly timeouts?: AwsTimeouts;
  /** @default - the Lambda's `AWS_REGION` */
  readonly region?: string;
  /** @default - the service's public endpoint */
  readonly endpoint?: string;
  /** @default - the Lambda's execution role */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The constructor options of a client: {@link AwsRetryConfig}, the per-attempt timeouts, plus what
 * `config` sets.
 */
export function clientOptions(config: AwsClientConfig = {}): typeof AwsRetryConfig &
  Omit<AwsClientConfig, "timeouts"> & {
    readonly requestHandler: ReturnType<typeof requestHandlerOptions>;
  } {
  return {
    ...AwsRetryConfig,
    requestHandler: requestHandlerOptions(config.timeouts ?? AwsTimeoutDefaults),
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
  };
}

/** The options every SDK `send` accepts. */
export interface SendOptions {
  readonly abortSignal?: AbortSignal;
}

/**
 * Makes an AWS call bounded by `signal`: the signal goes to the SDK (which aborts the HTTP request
 * and its retries), and the call gives up as soon as the signal aborts even if the SDK does not
 * notice.
 */
export function callAws<Output>(
  signal: AbortSignal | undefined,
  call: (options: SendOptions) => Promise<Output>,
): Promise<Output> {
  return raceAbort(call(signal === undefined ? {} : { abortSignal: signal }), signal);
}

/** The `name` of an AWS SDK error (`AccessDeniedException`, `ParameterNotFound`, …), if any. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Error names that mean "slow down": the request did not take effect. */
const THROTTLING_ERRORS = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);

/** Error names and codes of transient failures: the request may or may not have taken effect. */
const TRANSIENT_ERRORS = new Set([
  "TimeoutError",
  "AbortError",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalFailure",
  "InternalServerError",
  "InternalServerException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * How a retry loop treats an AWS SDK error: throttling (by name or HTTP 429) waits longer; server
 * faults (5xx), timeouts and network errors are retried; anything else (access denied, validation,
 * a final refusal) is not. Pure.
 */
export function classifyAwsError(error: unknown): AttemptFailure {
  const record = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = record.$metadata?.httpStatusCode;
  const name = typeof record.name === "string" ? record.name : "";
  const code = typeof record.code === "string" ? record.code : "";
  if (THROTTLING_ERRORS.has(name) || status === 429) return "throttled";
  if (TRANSIENT_ERRORS.has(name) || TRANSIENT_ERRORS.has(code)) return "retry";
  if (typeof status === "number" && status >= 500) return "retry";
  if (record.$fault === "server") return "retry";
  // Errors without HTTP metadata are the network's (a reset socket, a bad answer), not AWS's.
  if (status === undefined && !(error instanceof Error && "$fault" in error)) return "retry";
  return "stop";
}

/** How to retry an AWS call across a window (see `retryAws`). */
export interface AwsRetryWindow {
  readonly clock: Clock;
  /** When the last attempt must have ended (epoch milliseconds). */
  readonly stopBy: number;
  /** @default - `RetryDefaults` of `../core/retry` */
  readonly policy?: Partial<RetryPolicy>;
}

/**
 * Makes an AWS call, retried (see {@link classifyAwsError}) until `window.stopBy`, each attempt
 * bounded by the policy's attempt timeout. Resolves like the call; rejects with the last error.
 */
export async function retryAws<Output>(
  window: AwsRetryWindow,
  call: (options: SendOptions) => Promise<Output>,
): Promise<Output> {
  const result = await retryWithin(
    {
      attempt: (signal) => call({ abortSignal: signal }),
      classify: classifyAwsError,
      stopBy: window.stopBy,
      ...(window.policy === undefined ? {} : { policy: window.policy }),
    },
    { clock: window.clock },
  );
  if (result.ok) return result.value;
  throw result.error;
}
