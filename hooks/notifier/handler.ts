/**
 * Lambda entry point of the notifier (Node.js 22): EventBridge rules send it pipeline, deployment,
 * task and alarm events; it posts the incidents to the stack's Slack channel. Bundled by
 * `hooks/bundle.ts` (`NOTIFIER_ENTRY`) with the AWS SDK left external; export `handler`.
 *
 * This file only wires the real clients, clock, `fetch`, logger and environment; the logic is
 * `runNotifier` in `./notifier`.
 */
import type { Context, EventBridgeEvent } from "aws-lambda";
import { systemClock } from "../core/clock";
import { globalFetch } from "../core/http";
import { createLogger } from "../core/logger";
import { cachedWebhookSources, type WebhookSource } from "../shared/webhook";
import { createNotifierClients, type NotifierClients } from "./aws";
import { runNotifier, type NotifierDeps } from "./notifier";

// Reused across warm invocations: connections, and the webhook URL read from Secrets Manager.
let clients: NotifierClients | undefined;
let webhookSource: ((secretId: string) => WebhookSource) | undefined;

function defaultDeps(): NotifierDeps {
  const region = process.env.AWS_REGION;
  clients ??= createNotifierClients(region === undefined ? {} : { region });
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
}

/** Posts the incident an EventBridge event describes, if it is one. Never throws. */
export async function handler(
  event: EventBridgeEvent<string, unknown>,
  context?: Context,
): Promise<void> {
  await runNotifier(event, context, defaultDeps());
}
