/**
 * What every Greenlight Lambda function is given besides its AWS clients, and the real values an
 * entry point wires: the environment, the system clock, `fetch`, a JSON logger, and the Slack
 * webhook read from Secrets Manager (cached for the container's life, like the clients).
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { systemClock, type Clock } from "../core/clock";
import { globalFetch, type FetchLike } from "../core/http";
import { createLogger, type Logger } from "../core/logger";
import type { SlackRetryPolicy } from "../core/slack";
import { awsTimeoutsFromEnv, type AwsClientConfig } from "./aws";
import { cachedWebhookSources, type WebhookSource } from "./webhook";

/** The dependencies a function shares with every other Greenlight function. */
export interface LambdaDeps {
  /** The Lambda's environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly fetch: FetchLike;
  readonly logger: Logger;
  /** The Slack webhook source for a secret id (cached by the caller across invocations). */
  readonly webhookSource: (secretId: string) => WebhookSource;
  /**
   * The region, for console links.
   * @default - what the event or its ARNs say
   */
  readonly region?: string;
  /**
   * How hard to try Slack.
   * @default - the `postToSlack` defaults
   */
  readonly slack?: SlackRetryPolicy;
}

/**
 * The real dependencies for an entry point: its clients are created on the first invocation and
 * reused by warm ones, with their connections and the webhook URL read from Secrets Manager.
 */
export function lambdaRuntime<Clients extends { readonly secrets: SecretsManagerClient }>(
  createClients: (config: AwsClientConfig) => Clients,
): () => LambdaDeps & { readonly clients: Clients } {
  let clients: Clients | undefined;
  let webhookSource: ((secretId: string) => WebhookSource) | undefined;
  return () => {
    const region = process.env.AWS_REGION;
    clients ??= createClients({
      timeouts: awsTimeoutsFromEnv(process.env),
      ...(region === undefined ? {} : { region }),
    });
    webhookSource ??= cachedWebhookSources(clients.secrets, systemClock);
    return {
      clients,
      env: process.env,
      clock: systemClock,
      fetch: globalFetch,
      logger: createLogger(),
      webhookSource,
      ...(region === undefined ? {} : { region }),
    };
  };
}
