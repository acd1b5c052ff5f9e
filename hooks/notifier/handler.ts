/**
 * Lambda entry point of the notifier (Node.js 24): EventBridge rules send it pipeline, deployment,
 * task and alarm events; it posts the incidents to the stack's Slack channel. Bundled by
 * `hooks/bundle.ts` (`NOTIFIER_ENTRY`) with the AWS SDK left external; export `handler`.
 *
 * This file only wires the real clients, clock, `fetch`, logger and environment; the logic is
 * `runNotifier` in `./notifier`.
 */
import type { Context, EventBridgeEvent } from "aws-lambda";
import { lambdaRuntime } from "../shared/runtime";
import { createNotifierClients } from "./aws";
import { runNotifier } from "./notifier";

// Reused across warm invocations: connections, and the webhook URL read from Secrets Manager.
const deps = lambdaRuntime(createNotifierClients);

/** Posts the incident an EventBridge event describes, if it is one. Never throws. */
export async function handler(
  event: EventBridgeEvent<string, unknown>,
  context?: Context,
): Promise<void> {
  await runNotifier(event, context, deps());
}
