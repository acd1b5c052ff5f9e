/**
 * The AWS clients of the ECS lifecycle hook: the shared retry configuration and per-attempt
 * timeouts of every Greenlight Lambda (`../shared/aws`: a connection timeout, and a request timeout
 * that throws), so one hung connection costs one attempt, not the invocation. Every call is also
 * bounded by the caller's abort signal.
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

/** Creates the clients. */
export function createEcsHookClients(config: AwsClientConfig = {}): EcsHookClients {
  const options = clientOptions(config);
  return {
    ecs: new ECSClient(options),
    elb: new ElasticLoadBalancingV2Client(options),
    secrets: new SecretsManagerClient(options),
    ssm: new SSMClient(options),
  };
}
