import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
  EMPTY_SLOT_PORT,
  otherSlot,
  renderHaproxyConfig,
  type HaproxyConfigInput,
} from "../../tools/rehearsal/haproxy-config";
import { haproxyVersion } from "../../tools/rehearsal/processes";

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

  it("puts blue and green in each backend with HTTP health checks; only the live slot has weight", () => {
    const config = renderHaproxyConfig(input);
    for (const backend of ["backend be_prod", "backend be_test"]) {
      assert.deepEqual(section(config, backend), [
        "balance roundrobin",
        "option httpchk GET /health",
        "http-check expect status 200",
        "default-server check inter 200 fastinter 200 downinter 200 rise 2 fall 2",
        "server blue 127.0.0.1:18090 weight 256",
        "server green 127.0.0.1:18091 weight 0",
      ]);
    }
    const green = renderHaproxyConfig({
      ...input,
      liveSlot: "green",
      checkIntervalMs: 500,
      thresholds: { rise: 3, fall: 1 },
    });
    assert.ok(green.includes("server blue 127.0.0.1:18090 weight 0\n"));
    assert.ok(green.includes("server green 127.0.0.1:18091 weight 256\n"));
    assert.ok(green.includes("check inter 500 fastinter 500 downinter 500 rise 3 fall 1"));
  });

  it("points an empty slot at a port nothing listens on, until a version is registered in it", () => {
    const config = renderHaproxyConfig({ ...input, slotPorts: { blue: 18090, green: undefined } });
    assert.ok(config.includes(`server green 127.0.0.1:${EMPTY_SLOT_PORT} weight 0\n`));
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
        renderHaproxyConfig({ ...input, socketPath: path.join(dir, "admin.sock") }),
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
});
