import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Saves a Lambda bundle as `index.js` in a temporary folder and loads it in a fresh Node.js
 * process (the AWS SDK resolved from this repository, as the runtime provides it), returning
 * `typeof require("index.js").handler`.
 */
export async function handlerTypeInFreshProcess(code: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "greenlight-bundle-"));
  try {
    const file = path.join(dir, "index.js");
    await writeFile(file, code);
    return await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["-e", "process.stdout.write(typeof require(process.argv[1]).handler)", file],
        {
          env: {
            ...process.env,
            NODE_PATH: path.resolve(__dirname, "..", "..", "..", "node_modules"),
            NODE_NO_WARNINGS: "1",
          },
          timeout: 20_000,
        },
        (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
