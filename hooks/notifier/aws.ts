/** The AWS clients of the notifier, with the shared retry configuration. */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { clientOptions, type AwsClientConfig } from "../shared/aws";

/** The clients of the notifier. */
export interface NotifierClients {
  /** `GetDeployment`: why a deployment failed. */
  readonly codeDeploy: CodeDeployClient;
  /** The incidents table. */
  readonly dynamoDb: DynamoDBClient;
  /** The Slack webhook secret. */
  readonly secrets: SecretsManagerClient;
}

/** Creates the clients. */
export function createNotifierClients(config: AwsClientConfig = {}): NotifierClients {
  const shared = clientOptions(config);
  return {
    codeDeploy: new CodeDeployClient(shared),
    dynamoDb: new DynamoDBClient(shared),
    secrets: new SecretsManagerClient(shared),
  };
}
