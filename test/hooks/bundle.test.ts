import { strict as assert } from "node:assert";
import * as os from "node:os";
import { AFTER_ALLOW_TRAFFIC_ENTRY, bundleHook, hookBuildOptions } from "../../hooks/bundle";
import { handlerTypeInFreshProcess } from "./helpers/load-bundle";

describe("hooks/bundle", () => {
  it("uses the Lambda build settings: one minified CommonJS file for Node 24, AWS SDK external", () => {
    const options = hookBuildOptions();
    assert.deepEqual(options.entryPoints, [AFTER_ALLOW_TRAFFIC_ENTRY]);
    assert.equal(options.bundle, true);
    assert.equal(options.platform, "node");
    assert.equal(options.target, "node24");
    assert.equal(options.format, "cjs");
    assert.equal(options.minify, true);
    assert.deepEqual(options.external, ["@aws-sdk/*"]);
    assert.equal(options.write, false);
  });

  it("bundles the AfterAllowTraffic hook in memory, under 150 KB, from any working directory", async () => {
    const cwd = process.cwd();
    process.chdir(os.tmpdir());
    let bundle: Awaited<ReturnType<typeof bundleHook>>;
    try {
      bundle = await bundleHook();
    } finally {
      process.chdir(cwd);
    }
    assert.ok(bundle.bytes > 1000);
    assert.ok(bundle.bytes <= 150 * 1024, `${bundle.bytes} bytes`);
    assert.equal(bundle.bytes, Buffer.byteLength(bundle.code));
    assert.match(bundle.code, /require\("@aws-sdk\/client-codedeploy"\)/, "the SDK stays external");

    assert.equal(
      await handlerTypeInFreshProcess(bundle.code),
      "function",
      "index.handler is what Lambda calls",
    );
  });
});
