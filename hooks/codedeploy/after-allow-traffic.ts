/**
 * Lambda entry point of the CodeDeploy AfterAllowTraffic live hook (Node.js 22). Bundled by
 * `hooks/bundle.ts` with the AWS SDK left external; export `handler`.
 *
 * This file only wires the real clients, clock, `fetch`, logger and environment; the logic is
 * `runAfterAllowTraffic` in `./hook`.
 */
import type { Context } from "aws-lambda";
import { systemClock } from "../core/clock";
import { globalFetch } from "../core/http";
import { createLogger } from "../core/logger";
import { createHookClients, type HookClients } from "./aws";
import { runAfterAllowTraffic, type CodeDeployLifecycleHookEvent, type HookDeps } from "./hook";
import { cachedWebhookSources, type WebhookSource } from "../shared/webhook";

export type { CodeDeployLifecycleHookEvent } from "./hook";

// Reused across warm invocations: connections, and the webhook URL read from Secrets Manager.
let clients: HookClients | undefined;
let webhookSource: ((secretId: string) => WebhookSource) | undefined;

function defaultDeps(): HookDeps {
  const region = process.env.AWS_REGION;
  clients ??= createHookClients(region === undefined ? {} : { region });
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

/** The AfterAllowTraffic hook. Reports to CodeDeploy itself; never throws. */
export async function handler(
  event: CodeDeployLifecycleHookEvent,
  context: Context,
): Promise<void> {
  await runAfterAllowTraffic(event, context, defaultDeps());
}
