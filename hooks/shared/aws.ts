/**
 * What every Lambda in `hooks/` shares about calling AWS: one retry configuration for the clients
 * (adaptive retry: backoff plus client-side rate limiting) and a helper that bounds every call by an
 * abort signal. No client is imported here, so each function's bundle loads only the clients it uses.
 */
import { raceAbort } from "../core/clock";

/** The retry configuration of every client: throttling (`ThrottlingException`, 429) and 5xx retry. */
export const AwsRetryConfig = {
  /** Attempts per call, the first included. */
  maxAttempts: 5,
  /** Exponential backoff with jitter, plus a client-side rate limiter that slows down on throttling. */
  retryMode: "adaptive",
} as const;

/** Settings shared by a function's clients, for tests and private endpoints. */
export interface AwsClientConfig {
  /** @default - the Lambda's `AWS_REGION` */
  readonly region?: string;
  /** @default - the service's public endpoint */
  readonly endpoint?: string;
  /** @default - the Lambda's execution role */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The constructor options of a client: {@link AwsRetryConfig} plus what `config` sets. */
export function clientOptions(
  config: AwsClientConfig = {},
): typeof AwsRetryConfig & AwsClientConfig {
  return {
    ...AwsRetryConfig,
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
