/**
 * The AWS clients the CodeDeploy adapter uses, configured to retry throttling and transient errors
 * (see `../shared/aws`).
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clientOptions, type AwsClientConfig } from "../shared/aws";

export {
  AwsRetryConfig,
  awsErrorName,
  callAws,
  classifyAwsError,
  type SendOptions,
} from "../shared/aws";

/** The clients of the live hook. */
export interface HookClients {
  readonly codeDeploy: CodeDeployClient;
  readonly ecs: ECSClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly secrets: SecretsManagerClient;
  /** Writes the release record (Parameter Store). */
  readonly ssm: SSMClient;
}

/** Settings shared by the clients, for tests and private endpoints. */
export type HookClientConfig = AwsClientConfig;

/** Creates the clients with the shared retry configuration (CodeDeploy: one attempt per call). */
export function createHookClients(config: HookClientConfig = {}): HookClients {
  const shared = clientOptions(config);
  return {
    // One attempt per call: the report and the reads around it retry in the hook's own loop,
    // across the whole window, and a refusal after a lost answer is read as such (see ./report).
    codeDeploy: new CodeDeployClient({ ...shared, maxAttempts: 1 }),
    ecs: new ECSClient(shared),
    elb: new ElasticLoadBalancingV2Client(shared),
    secrets: new SecretsManagerClient(shared),
    ssm: new SSMClient(shared),
  };
}
