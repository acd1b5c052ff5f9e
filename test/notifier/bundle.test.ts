import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { bundleHook, hookBuildOptions, NOTIFIER_ENTRY } from "../../hooks/bundle";

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

    const dir = await mkdtemp(path.join(os.tmpdir(), "greenlight-notifier-"));
    try {
      const file = path.join(dir, "index.js");
      await writeFile(file, bundle.code);
      const exported = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ["-e", "process.stdout.write(typeof require(process.argv[1]).handler)", file],
          {
            env: {
              ...process.env,
              NODE_PATH: path.resolve(__dirname, "..", "..", "node_modules"),
              NODE_NO_WARNINGS: "1",
            },
            timeout: 20_000,
          },
          (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
        );
      });
      assert.equal(exported, "function", "index.handler is what Lambda calls");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
