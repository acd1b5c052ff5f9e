import { strict as assert } from "node:assert";
import * as os from "node:os";
import * as path from "node:path";
import { bundleHook, hookBuildOptions, NOTIFIER_ENTRY } from "../../hooks/bundle";
import { handlerTypeInFreshProcess } from "../hooks/helpers/load-bundle";

describe("hooks/bundle NOTIFIER_ENTRY", () => {
  it("points at hooks/notifier/handler.ts with the Lambda build settings", () => {
    assert.equal(
      path.relative(path.resolve(__dirname, "..", ".."), NOTIFIER_ENTRY),
      path.join("hooks", "notifier", "handler.ts"),
    );
    const options = hookBuildOptions(NOTIFIER_ENTRY);
    assert.deepEqual(options.entryPoints, [NOTIFIER_ENTRY]);
    assert.deepEqual(options.external, ["@aws-sdk/*"]);
  });

  it("bundles the notifier under 150 KB, loading only the clients it uses, and exports handler", async () => {
    const cwd = process.cwd();
    process.chdir(os.tmpdir());
    let bundle: Awaited<ReturnType<typeof bundleHook>>;
    try {
      bundle = await bundleHook(NOTIFIER_ENTRY);
    } finally {
      process.chdir(cwd);
    }
    assert.ok(bundle.bytes > 1000);
    assert.ok(bundle.bytes <= 150 * 1024, `${bundle.bytes} bytes`);
    const required = new Set(
      [...bundle.code.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((match) => match[1]),
    );
    assert.deepEqual(
      [...required].sort(),
      ["@aws-sdk/client-codedeploy", "@aws-sdk/client-dynamodb", "@aws-sdk/client-secrets-manager"],
      "the SDK stays external, and the live hook's ECS, ELB and SSM clients are not loaded",
    );

    assert.equal(
      await handlerTypeInFreshProcess(bundle.code),
      "function",
      "index.handler is what Lambda calls",
    );
  });
});
