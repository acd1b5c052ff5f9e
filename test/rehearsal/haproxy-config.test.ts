import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import {
  EMPTY_SLOT_PORT,
  haproxyCheck,
  MIN_CHECK_INTERVAL_MS,
  otherSlot,
  renderHaproxyConfig,
  slotServers,
  type HaproxyConfigInput,
} from "../../tools/rehearsal/haproxy-config";
import {
  freePorts,
  haproxyVersion,
  ProcessGroup,
  startHaproxy,
} from "../../tools/rehearsal/processes";
import { runtimeApi, showStat } from "../../tools/rehearsal/runtime";
import { findRow } from "../../tools/rehearsal/stat";
import { loadStackSettings } from "../../tools/rehearsal/stack";

const input: HaproxyConfigInput = {
  socketPath: "/tmp/rehearsal-x/admin.sock",
  prodPort: 18080,
  testPort: 18081,
  slotPorts: { blue: 18090, green: 18091 },
  liveSlot: "blue",
  healthCheckPath: "/health",
};

function section(config: string, name: string): string[] {
  const lines = config.split("\n");
  const start = lines.indexOf(name);
  assert.ok(start >= 0, `no section "${name}"`);
  const end = lines.findIndex((line, i) => i > start && line === "");
  return lines.slice(start + 1, end < 0 ? undefined : end).map((line) => line.trim());
}

describe("rehearsal HAProxy configuration", () => {
  it("binds a production and a test frontend on loopback, each to its own backend", () => {
    const config = renderHaproxyConfig(input);
    assert.deepEqual(section(config, "frontend fe_prod"), [
      "bind 127.0.0.1:18080",
      "default_backend be_prod",
    ]);
    assert.deepEqual(section(config, "frontend fe_test"), [
      "bind 127.0.0.1:18081",
      "default_backend be_test",
    ]);
    assert.ok(!/bind (?!127\.0\.0\.1:)/.test(config), "every bind is on 127.0.0.1");
  });

  it("puts blue and green in each backend, checked, each with an unchecked fail-open twin", () => {
    const config = renderHaproxyConfig(input);
    for (const backend of ["backend be_prod", "backend be_test"]) {
      assert.deepEqual(section(config, backend), [
        "balance roundrobin",
        "option allbackups",
        "option httpchk GET /health",
        "http-check expect status 200-299",
        "timeout check 5000",
        "default-server inter 200 fastinter 200 downinter 200 rise 2 fall 2",
        "server blue 127.0.0.1:18090 weight 256 check",
        "server blue-failopen 127.0.0.1:18090 weight 256 backup",
        "server green 127.0.0.1:18091 weight 0 check",
        "server green-failopen 127.0.0.1:18091 weight 0 backup",
      ]);
    }
    const green = renderHaproxyConfig({ ...input, liveSlot: "green" });
    assert.ok(green.includes("server blue 127.0.0.1:18090 weight 0 check\n"));
    assert.ok(green.includes("server green-failopen 127.0.0.1:18091 weight 256 backup\n"));
    assert.deepEqual(slotServers("green"), ["green", "green-failopen"]);
  });

  it("derives the check from a stack's target groups: interval scaled by --minute-ms, timeout, thresholds and matcher as set", () => {
    const dev = loadStackSettings("dev");
    // The program's target groups: every 5 s, 4 s timeout, 2 to be healthy, 2 to be unhealthy.
    assert.deepEqual(haproxyCheck(dev.healthCheck, 1000), {
      interMs: MIN_CHECK_INTERVAL_MS, // 5 s × 1/60 = 83 ms, raised to the floor
      timeoutMs: 4000, // the app's answer time is real time: never shortened
      rise: 2,
      fall: 2,
      expectStatus: "200-299",
    });
    const config = renderHaproxyConfig({
      ...input,
      check: haproxyCheck(
        {
          intervalSeconds: 10,
          timeoutSeconds: 6,
          healthyThreshold: 3,
          unhealthyThreshold: 5,
          matcher: "200",
        },
        30_000, // one minute lasts 30 s: half speed
      ),
    });
    const prod = section(config, "backend be_prod");
    assert.ok(prod.includes("timeout check 6000"), prod.join("\n"));
    assert.ok(
      prod.includes("default-server inter 5000 fastinter 5000 downinter 5000 rise 3 fall 5"),
    );
    assert.ok(prod.includes("http-check expect status 200"));
    assert.equal(haproxyCheck(dev.healthCheck, 0).timeoutMs, 4000);
    assert.equal(haproxyCheck(dev.healthCheck, 60_000).interMs, 5000);
    assert.equal(haproxyCheck(dev.healthCheck, 0).interMs, MIN_CHECK_INTERVAL_MS);
  });

  it("fails open: with no checked server able to serve, every twin takes traffic by weight", () => {
    const prod = section(renderHaproxyConfig(input), "backend be_prod");
    assert.ok(prod.includes("option allbackups"));
    for (const line of prod.filter((entry) => entry.startsWith("server "))) {
      // A checked server is never a backup; a twin is a backup and never checked.
      assert.equal(line.includes(" check"), !line.includes("-failopen"), line);
      assert.equal(line.includes(" backup"), line.includes("-failopen"), line);
    }
  });

  it("adds slow start to the checked servers only when the stack uses it", () => {
    const dev = loadStackSettings("dev");
    assert.equal(dev.slowStartSeconds, 0);
    assert.ok(!renderHaproxyConfig(input).includes("slowstart"));
    const slow = renderHaproxyConfig({ ...input, check: haproxyCheck(dev.healthCheck, 1000, 60) });
    assert.ok(slow.includes("server blue 127.0.0.1:18090 weight 256 check slowstart 1000\n"));
    assert.ok(slow.includes("server blue-failopen 127.0.0.1:18090 weight 256 backup\n"));
  });

  it("rejects a health check it cannot render, naming the setting", () => {
    const dev = loadStackSettings("dev");
    assert.throws(
      () => haproxyCheck({ ...dev.healthCheck, unhealthyThreshold: 0 }, 1000),
      /the health check's unhealthyThreshold is 0; give a whole number of at least 1/,
    );
    assert.throws(
      () => haproxyCheck({ ...dev.healthCheck, matcher: "2xx" }, 1000),
      /the health check's matcher is "2xx"; give HTTP codes such as 200 or 200-299/,
    );
    assert.throws(() => haproxyCheck(dev.healthCheck, -1), /minute-ms is -1/);
  });

  it("points an empty slot at a port nothing listens on, until a version is registered in it", () => {
    const config = renderHaproxyConfig({ ...input, slotPorts: { blue: 18090, green: undefined } });
    assert.ok(config.includes(`server green 127.0.0.1:${EMPTY_SLOT_PORT} weight 0 check\n`));
    assert.equal(EMPTY_SLOT_PORT, 1);
  });

  it("opens an admin socket for the runtime API and runs one thread", () => {
    const global = section(renderHaproxyConfig(input), "global");
    assert.ok(global.includes("stats socket /tmp/rehearsal-x/admin.sock mode 600 level admin"));
    assert.ok(global.includes("nbthread 1"));
  });

  it("fails on clashing ports, a bad port or a health path HAProxy cannot send", () => {
    assert.throws(
      () => renderHaproxyConfig({ ...input, testPort: 18080 }),
      /ports 18080, 18080, 18090, 18091 must all differ/,
    );
    assert.throws(
      () => renderHaproxyConfig({ ...input, prodPort: 70000 }),
      /port 70000 is not a TCP port/,
    );
    assert.throws(
      () => renderHaproxyConfig({ ...input, healthCheckPath: "health check" }),
      /healthCheckPath is "health check"; give a path starting with "\/"/,
    );
  });

  it("names the other slot", () => {
    assert.equal(otherSlot("blue"), "green");
    assert.equal(otherSlot("green"), "blue");
  });

  it("renders a configuration that HAProxy itself accepts (haproxy -c)", () => {
    assert.ok(
      haproxyVersion() !== undefined,
      "haproxy is not installed; install it with `sudo apt-get install haproxy` (CI does, via .ci/run)",
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-haproxy-test-"));
    try {
      const file = path.join(dir, "haproxy.cfg");
      fs.writeFileSync(
        file,
        renderHaproxyConfig({
          ...input,
          socketPath: path.join(dir, "admin.sock"),
          check: haproxyCheck(loadStackSettings("prod").healthCheck, 1000, 30),
        }),
      );
      const result = spawnSync("haproxy", ["-c", "-f", file], {
        encoding: "utf8",
        timeout: 10_000,
      });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps serving through real HAProxy when the only weighted target fails its checks (fail open)", async function () {
    this.timeout(30_000);
    assert.ok(haproxyVersion() !== undefined, "haproxy is not installed");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-failopen-test-"));
    // Busy app: every health check fails, every request is answered.
    const app = http.createServer((req, res) => {
      if (req.url === "/health") res.writeHead(500).end("busy");
      else res.writeHead(200, { "content-type": "application/json" }).end('{"version":"v1"}');
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const group = new ProcessGroup();
    try {
      const [prodPort, testPort] = (await freePorts(2)) as [number, number];
      const socketPath = path.join(dir, "admin.sock");
      const file = path.join(dir, "haproxy.cfg");
      fs.writeFileSync(
        file,
        renderHaproxyConfig({
          socketPath,
          prodPort,
          testPort,
          slotPorts: { blue: (app.address() as AddressInfo).port, green: undefined },
          liveSlot: "blue",
          healthCheckPath: "/health",
        }),
      );
      const api = runtimeApi(socketPath);
      await startHaproxy(group, file, api);
      // Wait for HAProxy's own verdict, not for a fixed time.
      for (;;) {
        const row = findRow(await showStat(api), "be_prod", "blue");
        if (row.status === "DOWN") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`http://127.0.0.1:${prodPort}/version`).then(async (response) => ({
            status: response.status,
            body: await response.text(),
          })),
        ),
      );
      assert.deepEqual(
        new Set(answers.map((answer) => `${answer.status} ${answer.body}`)),
        new Set(['200 {"version":"v1"}']),
      );
      const rows = await showStat(api);
      assert.equal(findRow(rows, "be_prod", "blue").status, "DOWN");
      // The twin is what serves: without it, HAProxy answers 503 as before.
      await api.send("set server be_prod/blue-failopen state maint");
      assert.equal((await fetch(`http://127.0.0.1:${prodPort}/version`)).status, 503);
    } finally {
      await group.stopAll();
      await new Promise<void>((resolve) => app.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
