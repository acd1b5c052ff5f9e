/**
 * Lambda entry point of the CodeDeploy AfterAllowTraffic live hook (Node.js 24). Bundled by
 * `hooks/bundle.ts` with the AWS SDK left external; export `handler`.
 *
 * This file only wires the real clients, clock, `fetch`, logger and environment; the logic is
 * `runAfterAllowTraffic` in `./hook`.
 */
import type { Context } from "aws-lambda";
import { lambdaRuntime } from "../shared/runtime";
import { createHookClients } from "./aws";
import { runAfterAllowTraffic, type CodeDeployLifecycleHookEvent } from "./hook";

export type { CodeDeployLifecycleHookEvent } from "./hook";

// Reused across warm invocations: connections, and the webhook URL read from Secrets Manager.
const deps = lambdaRuntime(createHookClients);

/** The AfterAllowTraffic hook. Reports to CodeDeploy itself; never throws. */
export async function handler(
  event: CodeDeployLifecycleHookEvent,
  context: Context,
): Promise<void> {
  await runAfterAllowTraffic(event, context, deps());
}
