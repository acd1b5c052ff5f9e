/**
 * Lambda entry point of the Amazon ECS lifecycle hook (native blue/green, linear, canary). Bundled
 * by `hooks/bundle.ts` with the AWS SDK left external; export `handler`.
 *
 * This file only wires the real clients, clock, `fetch`, logger and environment; the logic is
 * `runEcsLifecycleHook` in `./hook`. Unlike the CodeDeploy hook, the answer is the return value.
 */
import type { Context } from "aws-lambda";
import { lambdaRuntime } from "../shared/runtime";
import { createEcsHookClients } from "./aws";
import type { EcsLifecycleHookEvent, EcsLifecycleHookResponse } from "./event";
import { runEcsLifecycleHook } from "./hook";

export type { EcsLifecycleHookEvent, EcsLifecycleHookResponse } from "./event";

// Reused across warm invocations: connections, and the webhook URL read from Secrets Manager.
const deps = lambdaRuntime(createEcsHookClients);

/** The lifecycle hook. Always answers with a `hookStatus`; never throws. */
export async function handler(
  event: EcsLifecycleHookEvent,
  context: Context,
): Promise<EcsLifecycleHookResponse> {
  return (await runEcsLifecycleHook(event, context, deps())).response;
}
