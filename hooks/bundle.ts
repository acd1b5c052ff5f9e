/**
 * Bundling the live hook for Lambda, in process: the Pulumi program calls `bundleHook()` at
 * `pulumi up` time to produce the function's code, so no separate build step is needed. Works from
 * any working directory (paths are resolved from this file).
 */
import * as path from "node:path";
import { build, type BuildOptions } from "esbuild";

/** The entry point of the CodeDeploy AfterAllowTraffic hook. */
export const AFTER_ALLOW_TRAFFIC_ENTRY = path.join(
  __dirname,
  "codedeploy",
  "after-allow-traffic.ts",
);

/** The entry point of the Amazon ECS lifecycle hook (native blue/green deployments). */
export const ECS_LIFECYCLE_HOOK_ENTRY = path.join(__dirname, "ecs", "lifecycle-hook.ts");

/** The entry point of the notifier (EventBridge events → Slack alerts). */
export const NOTIFIER_ENTRY = path.join(__dirname, "notifier", "handler.ts");

/** The exported function Lambda calls: with the bundle saved as `index.js`, the handler is `index.handler`. */
export const HOOK_HANDLER_EXPORT = "handler";

/** The file name the bundle is meant to be saved under in the Lambda archive. */
export const HOOK_BUNDLE_FILE = "index.js";

/** The esbuild options for a hook bundle: one CommonJS file for Node.js 24, AWS SDK v3 external. */
export function hookBuildOptions(entry: string = AFTER_ALLOW_TRAFFIC_ENTRY): BuildOptions {
  return {
    entryPoints: [entry],
    absWorkingDir: path.resolve(__dirname, ".."),
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: true,
    // The Node.js 24 Lambda runtime ships AWS SDK v3.
    external: ["@aws-sdk/*"],
    legalComments: "none",
    logLevel: "silent",
    write: false,
  };
}

/** A built hook. */
export interface HookBundle {
  /** The JavaScript of `index.js`. */
  readonly code: string;
  /** The size of `code` in bytes (UTF-8). */
  readonly bytes: number;
}

/** Bundles a hook entry point in memory. */
export async function bundleHook(entry: string = AFTER_ALLOW_TRAFFIC_ENTRY): Promise<HookBundle> {
  const result = await build({ ...hookBuildOptions(entry), write: false, outdir: "out" });
  const file = result.outputFiles?.find((output) => output.path.endsWith(".js"));
  if (file === undefined) throw new Error(`esbuild produced no JavaScript for ${entry}`);
  return { code: file.text, bytes: file.contents.byteLength };
}
