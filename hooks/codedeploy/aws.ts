/**
 * The AWS clients the CodeDeploy adapter uses, configured to retry throttling and transient errors
 * (adaptive retry: backoff plus client-side rate limiting), and a helper that bounds every call by an
 * abort signal.
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { raceAbort } from "../core/clock";

/** The clients of the live hook. */
export interface HookClients {
  readonly codeDeploy: CodeDeployClient;
  readonly ecs: ECSClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly secrets: SecretsManagerClient;
}

/** The retry configuration of every client: throttling (`ThrottlingException`, 429) and 5xx retry. */
export const AwsRetryConfig = {
  /** Attempts per call, the first included. */
  maxAttempts: 5,
  /** Exponential backoff with jitter, plus a client-side rate limiter that slows down on throttling. */
  retryMode: "adaptive",
} as const;

/** Settings shared by the clients, for tests and private endpoints. */
export interface HookClientConfig {
  /** @default - the Lambda's `AWS_REGION` */
  readonly region?: string;
  /** @default - the service's public endpoint */
  readonly endpoint?: string;
  /** @default - the Lambda's execution role */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Creates the clients with {@link AwsRetryConfig}. */
export function createHookClients(config: HookClientConfig = {}): HookClients {
  const shared = {
    ...AwsRetryConfig,
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
  };
  return {
    codeDeploy: new CodeDeployClient(shared),
    ecs: new ECSClient(shared),
    elb: new ElasticLoadBalancingV2Client(shared),
    secrets: new SecretsManagerClient(shared),
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
