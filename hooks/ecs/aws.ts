/**
 * The AWS clients of the ECS lifecycle hook: the shared retry configuration (`../shared/aws`) plus
 * a connection timeout and a per-attempt timeout on the HTTP handler, so one hung connection costs
 * one attempt, not the invocation. Every call is also bounded by the caller's abort signal.
 */
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clientOptions, type AwsClientConfig } from "../shared/aws";

/** The clients of the ECS hook. */
export interface EcsHookClients {
  readonly ecs: ECSClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly secrets: SecretsManagerClient;
  /** Writes the release record and the verdict marker (Parameter Store). */
  readonly ssm: SSMClient;
}

/** The HTTP timeouts of every attempt (milliseconds). */
export const EcsHookHttpTimeouts = {
  /** To open the TCP (and TLS) connection. */
  connectionTimeout: 3000,
  /** For one attempt's response, once connected; the SDK retries a timed-out attempt. */
  requestTimeout: 10_000,
} as const;

/** The constructor options of each client. Pure. */
export function ecsHookClientOptions(config: AwsClientConfig = {}) {
  return {
    ...clientOptions(config),
    // A plain object is accepted: the SDK passes it to NodeHttpHandler.create.
    requestHandler: { ...EcsHookHttpTimeouts },
  };
}

/** Creates the clients. */
export function createEcsHookClients(config: AwsClientConfig = {}): EcsHookClients {
  const options = ecsHookClientOptions(config);
  return {
    ecs: new ECSClient(options),
    elb: new ElasticLoadBalancingV2Client(options),
    secrets: new SecretsManagerClient(options),
    ssm: new SSMClient(options),
  };
}
