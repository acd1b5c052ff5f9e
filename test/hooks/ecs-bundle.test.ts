import { strict as assert } from "node:assert";
import { bundleHook, ECS_LIFECYCLE_HOOK_ENTRY, hookBuildOptions } from "../../hooks/bundle";
import { handlerTypeInFreshProcess } from "./helpers/load-bundle";

describe("hooks/bundle: the ECS lifecycle hook", () => {
  it("builds from its own entry point with the Lambda settings", () => {
    const options = hookBuildOptions(ECS_LIFECYCLE_HOOK_ENTRY);
    assert.deepEqual(options.entryPoints, [ECS_LIFECYCLE_HOOK_ENTRY]);
    assert.deepEqual(options.external, ["@aws-sdk/*"]);
  });

  it("bundles under 150 KB, keeps the SDK external, leaves CodeDeploy out and loads in a fresh process", async () => {
    const bundle = await bundleHook(ECS_LIFECYCLE_HOOK_ENTRY);
    assert.ok(bundle.bytes > 1000);
    assert.ok(bundle.bytes <= 150 * 1024, `${bundle.bytes} bytes`);
    assert.match(bundle.code, /require\("@aws-sdk\/client-ecs"\)/, "the SDK stays external");
    assert.match(bundle.code, /require\("@aws-sdk\/client-ssm"\)/);
    assert.doesNotMatch(
      bundle.code,
      /@aws-sdk\/client-codedeploy/,
      "the ECS hook does not load the CodeDeploy client",
    );
    assert.match(bundle.code, /POST_PRODUCTION_TRAFFIC_SHIFT/);
    assert.equal(
      await handlerTypeInFreshProcess(bundle.code),
      "function",
      "index.handler is what Lambda calls",
    );
  });
});
