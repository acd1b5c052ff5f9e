import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../../tools/cli/main";
import { fake, type Fake } from "./fixture";

/* eslint-disable @typescript-eslint/no-require-imports -- the launcher's build module is plain CommonJS */
const build = require("../../tools/cli/build.js") as {
  buildCli(outdir: string, root?: string): { bundle: string; meta: string };
  isStale(outdir: string, root?: string): boolean;
  ROOT: string;
};

const COMMANDS = [
  "status",
  "deploy",
  "promote",
  "rollback",
  "dashboard",
  "verify",
  "watch",
  "rehearse",
];

function node(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("greenlight (the command line)", () => {
  let f: Fake;
  afterEach(() => f?.restore());

  it("lists every command in its help, with examples and the exit codes", async () => {
    f = fake();
    assert.equal(await run(["--help"], f.deps), 0);
    for (const command of COMMANDS) assert.match(f.stdout(), new RegExp(`^  ${command} `, "m"));
    assert.match(f.stdout(), /Examples:\n {2}\$ greenlight status/);
    assert.match(f.stdout(), /Exit codes:\n {2}0 {2}done.*\n {2}1 {2}it failed.*\n {2}2 {2}usage/);
  });

  for (const command of ["status", "deploy", "promote", "rollback", "dashboard"]) {
    it(`${command} --help shows its usage, an example and the exit codes (exit 0)`, async () => {
      f = fake();
      assert.equal(await run([command, "--help"], f.deps), 0);
      assert.match(f.stdout(), new RegExp(`^Usage: greenlight ${command} `, "m"));
      assert.match(f.stdout(), new RegExp(`Examples:\\n  \\$ greenlight ${command}\\b`));
      assert.match(f.stdout(), /2 {2}usage/);
      if (command !== "dashboard") assert.match(f.stdout(), /--json/);
      assert.match(f.stdout(), /--region <region>/);
    });
  }

  it("passes verify, watch and rehearse their own arguments, --help included, and their exit codes", async () => {
    f = fake();
    const seen: [string, readonly string[]][] = [];
    const deps = {
      ...f.deps,
      verify: async (argv: readonly string[]) => (seen.push(["verify", argv]), 1),
      watch: async (argv: readonly string[]) => (seen.push(["watch", argv]), 0),
      rehearse: async (argv: readonly string[]) => (seen.push(["rehearse", argv]), 3),
    };
    assert.equal(await run(["verify", "--url", "http://127.0.0.1:1", "--expect", "v1"], deps), 1);
    assert.equal(await run(["watch", "--help"], deps), 0);
    assert.equal(await run(["rehearse", "--stack", "prod", "--json"], deps), 3);
    assert.deepEqual(seen, [
      ["verify", ["--url", "http://127.0.0.1:1", "--expect", "v1"]],
      ["watch", ["--help"]],
      ["rehearse", ["--stack", "prod", "--json"]],
    ]);
  });

  it("exits 2 on an unknown command or option, and with no command at all", async () => {
    f = fake();
    assert.equal(await run(["depoly", "dev"], f.deps), 2);
    assert.match(f.stderr(), /unknown command 'depoly'/);
    assert.equal(await run(["status", "--jsno"], f.deps), 2);
    assert.match(f.stderr(), /unknown option '--jsno'/);
    assert.equal(await run([], f.deps), 2);
    assert.match(f.stderr(), /Usage: greenlight/);
  });

  describe("the bundle", function () {
    this.timeout(120_000);
    let out: string;
    before(() => {
      out = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-bundle-"));
      build.buildCli(out);
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("is built from the sources it lists, and is stale as soon as one is newer or gone", () => {
      const meta = JSON.parse(fs.readFileSync(path.join(out, "greenlight.meta.json"), "utf8"));
      assert.ok(meta.inputs.includes("tools/greenlight.ts"));
      assert.ok(meta.inputs.includes("tools/cli/main.ts"));
      assert.ok(
        !meta.inputs.some((file: string) => file.startsWith("node_modules")),
        "packages stay external",
      );
      assert.equal(build.isStale(out), false);
      // A copy of the list pointing into a scratch root: touch one source, then remove it.
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-fresh-"));
      try {
        const scratch = path.join(root, "dist");
        fs.mkdirSync(scratch);
        fs.mkdirSync(path.join(root, "tools"));
        fs.writeFileSync(path.join(root, "tools", "a.ts"), "");
        fs.writeFileSync(path.join(scratch, "greenlight.js"), "");
        fs.writeFileSync(
          path.join(scratch, "greenlight.meta.json"),
          JSON.stringify({ inputs: ["tools/a.ts"] }),
        );
        const built = fs.statSync(path.join(scratch, "greenlight.js")).mtime;
        fs.utimesSync(path.join(root, "tools", "a.ts"), built, new Date(built.getTime() - 60_000));
        assert.equal(build.isStale(scratch, root), false);
        fs.utimesSync(path.join(root, "tools", "a.ts"), built, new Date(built.getTime() + 60_000));
        assert.equal(build.isStale(scratch, root), true);
        fs.rmSync(path.join(root, "tools", "a.ts"));
        assert.equal(build.isStale(scratch, root), true);
        fs.rmSync(path.join(scratch, "greenlight.js"));
        assert.equal(build.isStale(scratch, root), true);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    it("starts in a fresh process without TypeScript: --help lists every command (exit 0)", async () => {
      // Built outside the repository here: its packages come from the repository's node_modules.
      const result = await node([path.join(out, "greenlight.js"), "--help"], {
        env: { NODE_PATH: path.join(build.ROOT, "node_modules") },
      });
      assert.equal(result.code, 0, result.stderr);
      for (const command of COMMANDS)
        assert.match(result.stdout, new RegExp(`^  ${command} `, "m"));
      assert.doesNotMatch(
        fs.readFileSync(path.join(out, "greenlight.js"), "utf8"),
        /require\("ts-node"\)|require\("@pulumi\//,
      );
    });

    it("hides the AWS SDK's Node.js-version warning when a command calls AWS", async () => {
      // The launcher sets the SDK's own switch; run the bundle the same way, against a closed port.
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-cwd-"));
      try {
        const result = await node(
          [
            path.join(build.ROOT, "tools", "cli", "launcher.js"),
            "status",
            "dev",
            "--region",
            "eu-west-1",
          ],
          {
            cwd,
            env: {
              AWS_ACCESS_KEY_ID: "AKIDTEST",
              AWS_SECRET_ACCESS_KEY: "test",
              AWS_ENDPOINT_URL: "http://127.0.0.1:9",
              AWS_MAX_ATTEMPTS: "1",
            },
          },
        );
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /status: ssm:GetParameter failed: .*ECONNREFUSED/);
        assert.doesNotMatch(result.stderr, /NodeVersionSupportWarning|will require node/);
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    });
  });
});
