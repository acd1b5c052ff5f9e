import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { systemClock } from "../../hooks/core/clock";
import { globalFetch } from "../../hooks/core/http";
import { main, parseVerifyArgs, type VerifyDeps } from "../../tools/verify";
import {
  startSlackServer,
  startVersionServer,
  WEBHOOK_PATH,
  type VersionAnswer,
} from "./helpers/servers";

interface Captured {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function verify(argv: string[], env: Record<string, string> = {}): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const deps: VerifyDeps = {
    fetch: globalFetch,
    clock: systemClock,
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const code = await main(argv, deps);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const fast = [
  "--consecutive",
  "3",
  "--interval-ms",
  "20",
  "--timeout-ms",
  "200",
  "--deadline-ms",
  "800",
];

describe("tools/verify", () => {
  it("exits 0 and prints every answer when the version is live", async () => {
    const server = await startVersionServer(() => ({ version: "2.0.0" }));
    try {
      const result = await verify(["--url", server.url, "--expect", "2.0.0", ...fast]);
      assert.equal(result.code, 0);
      assert.match(
        result.out,
        new RegExp(`^Probing ${server.url}/version for version 2\\.0\\.0: 3 answers in a row`),
      );
      assert.match(result.out, /#3 .* 2\.0\.0 \(HTTP 200\) {2}streak 3\/3/);
      assert.match(result.out, /LIVE: version 2\.0\.0 answered 3 times in a row\./);
      assert.deepEqual(server.paths, ["/version", "/version", "/version"]);
    } finally {
      await server.close();
    }
  });

  it("exits 1 when the expected version never answers, saying what it saw", async () => {
    const sequence: VersionAnswer[] = [{ version: "1.0.0" }, { status: 503, body: "draining" }];
    const server = await startVersionServer((n) => sequence[(n - 1) % 2]!);
    try {
      const result = await verify([
        "--url",
        `${server.url}/`,
        "--expect",
        "2.0.0",
        "--path",
        "health/version",
        ...fast,
      ]);
      assert.equal(result.code, 1);
      assert.match(
        result.out,
        /NOT LIVE: version check failed: 3 answers in a row with version 2\.0\.0 were not seen/,
      );
      assert.match(result.out, /Seen: 1\.0\.0 ×\d+, HTTP 503 ×\d+/);
      assert.equal(server.paths[0], "/health/version");
    } finally {
      await server.close();
    }
  });

  it("exits 2 with a clear message for bad usage, without calling anything", async () => {
    const cases: [string[], RegExp][] = [
      [[], /--url is required/],
      [["--url", "http://127.0.0.1:9"], /--expect is required/],
      [
        ["--url", "localhost:8080", "--expect", "1"],
        /--url is "localhost:8080"; give an http:\/\/ or https:\/\/ base URL/,
      ],
      [
        ["--url", "http://127.0.0.1:9", "--expect", "1", "--consecutive", "0"],
        /--consecutive is "0"; give a whole number, at least 1/,
      ],
      [
        ["--url", "http://127.0.0.1:9", "--expect", "1", "--interval-ms", "1s"],
        /--interval-ms is "1s"/,
      ],
      [["--url", "http://127.0.0.1:9", "--expect", "1", "--bogus"], /Unknown option '--bogus'/],
      [
        [
          "--url",
          "http://127.0.0.1:9",
          "--expect",
          "1",
          "--slack-webhook-env",
          "https://hooks.slack.com/x",
        ],
        /takes the NAME of an environment variable/,
      ],
      [
        ["--url", "http://127.0.0.1:9", "--expect", "1", "--slack-webhook-env", "NOT_SET_ANYWHERE"],
        /environment variable NOT_SET_ANYWHERE \(named by --slack-webhook-env\) is not set/,
      ],
    ];
    for (const [argv, message] of cases) {
      const result = await verify(argv);
      assert.equal(result.code, 2, argv.join(" "));
      assert.match(result.err, message);
      assert.equal(result.out, "");
    }
  });

  it("prints usage for --help and exits 0", async () => {
    const result = await verify(["--help"]);
    assert.equal(result.code, 0);
    assert.match(result.out, /^Usage: npm run verify -- --url <base url> --expect <version>/);
    assert.equal(parseVerifyArgs(["--help"]), undefined);
  });

  it("posts the live notice to the webhook named by --slack-webhook-env, keeping the URL out of the output", async () => {
    const server = await startVersionServer(() => ({ version: "2.0.0" }));
    const slack = await startSlackServer();
    try {
      const result = await verify(
        ["--url", server.url, "--expect", "2.0.0", ...fast, "--slack-webhook-env", "MY_HOOK"],
        {
          MY_HOOK: slack.webhookUrl,
        },
      );
      assert.equal(result.code, 0);
      assert.equal(slack.received.length, 1);
      assert.equal(slack.received[0]!.path, WEBHOOK_PATH);
      assert.match(slack.received[0]!.payload.text, /^✅ shop 2\.0\.0 is live in dev/);
      assert.match(result.out, /Slack: notice posted \(1 attempt\)\./);
      assert.ok(!`${result.out}${result.err}`.includes(WEBHOOK_PATH));
    } finally {
      await Promise.all([server.close(), slack.close()]);
    }
  });

  it("posts a failure notice that does not claim a rollback, and reports a Slack rejection", async () => {
    const server = await startVersionServer(() => ({ version: "1.0.0" }));
    const slack = await startSlackServer(() => ({ status: 404, body: "no_service" }));
    try {
      const result = await verify(
        ["--url", server.url, "--expect", "2.0.0", ...fast, "--slack-webhook-env", "MY_HOOK"],
        {
          MY_HOOK: slack.webhookUrl,
        },
      );
      assert.equal(result.code, 1);
      assert.equal(slack.received.length, 1);
      const payload = JSON.stringify(slack.received[0]!.payload);
      assert.match(payload, /nothing was rolled back/);
      assert.ok(!payload.includes("CodeDeploy is rolling back"));
      assert.match(result.out, /Slack: notice not posted \(rejected: HTTP 404 no_service\)\./);
      assert.ok(!`${result.out}${result.err}`.includes(WEBHOOK_PATH));
    } finally {
      await Promise.all([server.close(), slack.close()]);
    }
  });

  it("runs as a script through npm's ts-node entry with the exit code of the check", async () => {
    const server = await startVersionServer(() => ({ version: "3.0.0" }));
    try {
      const root = path.resolve(__dirname, "..", "..");
      const run = (expect: string) =>
        new Promise<number>((resolve) => {
          execFile(
            process.execPath,
            [
              "-r",
              "ts-node/register/transpile-only",
              "tools/verify.ts",
              "--url",
              server.url,
              "--expect",
              expect,
              ...fast,
            ],
            { cwd: root, timeout: 20_000 },
            (error) => resolve(error === null ? 0 : Number((error as { code?: unknown }).code)),
          );
        });
      assert.equal(await run("3.0.0"), 0);
      assert.equal(await run("4.0.0"), 1);
    } finally {
      await server.close();
    }
  });
});
