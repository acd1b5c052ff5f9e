import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import {
  busyPercent,
  compileLoadGenerator,
  couldNotKeepUp,
  deploymentFailures,
  failureBursts,
  parseLoadLine,
  sampleCpu,
  startLoad,
} from "../../tools/rehearsal/load";
import { LOST } from "../../tools/rehearsal/load-child";
import { ProcessGroup } from "../../tools/rehearsal/processes";
import { loadProblems } from "../../tools/rehearsal/run";
import { loadSummary } from "./fixtures";

const summary = loadSummary;

describe("rehearsal load (autocannon beside the watcher)", () => {
  it("groups failures into bursts on the timeline, by kind", () => {
    const bursts = failureBursts([
      { atMs: 10_500, what: "HTTP 503" },
      { atMs: 10_400, what: "HTTP 503" },
      { atMs: 10_600, what: "ECONNRESET" },
      { atMs: 12_000, what: "HTTP 503" },
    ]);
    assert.deepEqual(bursts, [
      { fromMs: 10_400, toMs: 10_600, count: 3, kinds: { "HTTP 503": 2, ECONNRESET: 1 } },
      { fromMs: 12_000, toMs: 12_000, count: 1, kinds: { "HTTP 503": 1 } },
    ]);
    assert.deepEqual(failureBursts([]), []);
  });

  it("tells the deployment's failures from a machine that could not keep up", () => {
    assert.equal(deploymentFailures(summary({ non2xx: 4, errors: 2, timeouts: 9 })), 6);
    assert.equal(couldNotKeepUp(summary()), undefined);
    assert.equal(
      couldNotKeepUp(
        summary({ timeouts: 3, cpu: { seconds: 20, busyPercent: 99, saturatedSeconds: 5 } }),
      ),
      "3 requests got no answer within 10 s; the CPUs were over 95 % busy for 5 of 20 s",
    );
    assert.deepEqual(loadProblems(summary()), []);
    assert.deepEqual(
      loadProblems(summary({ non2xx: 1, failures: [{ atMs: 5, what: "HTTP 503" }] })),
      ['load: the deployment failed 1 of 60000 requests ({"HTTP 503":1})'],
    );
    // A saturated machine alone fails nothing; a timeout does, named as the machine's.
    assert.deepEqual(
      loadProblems(summary({ cpu: { seconds: 20, busyPercent: 100, saturatedSeconds: 20 } })),
      [],
    );
    assert.match(
      loadProblems(summary({ timeouts: 2 }))[0] ?? "",
      /^load: the machine could not keep up: 2 requests/,
    );
  });

  it("measures CPU busy time between readings, and counts saturated seconds", () => {
    assert.equal(busyPercent({ total: 1000, idle: 500 }, { total: 3000, idle: 700 }), 90);
    assert.equal(busyPercent({ total: 1000, idle: 500 }, { total: 1000, idle: 500 }), 0);
    const readings = [
      { total: 0, idle: 0 },
      { total: 2000, idle: 0 }, // fully busy
      { total: 4000, idle: 1000 }, // half busy
    ];
    let i = 0;
    const sampler = sampleCpu(() => readings[Math.min(i++, readings.length - 1)]!);
    const figures = sampler.stop();
    assert.deepEqual(figures, { seconds: 0, busyPercent: 100, saturatedSeconds: 0 });
  });

  it("reads only the load generator's own lines", () => {
    assert.deepEqual(parseLoadLine('{"kind":"failure","t":5,"what":"HTTP 503"}'), {
      kind: "failure",
      t: 5,
      what: "HTTP 503",
    });
    assert.equal(parseLoadLine("Running 10s test @ http://127.0.0.1"), undefined);
    assert.equal(parseLoadLine('{"kind":"tick"}'), undefined);
    assert.equal(parseLoadLine("null"), undefined);
  });

  it("drives a real server with autocannon and reports every non-2xx and reset with its time", async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-load-test-"));
    let served = 0;
    let unavailable = 0;
    let dropped = 0;
    const server = http.createServer((req, res) => {
      served += 1;
      if (served % 50 === 0) {
        unavailable += 1;
        res.writeHead(503).end("busy");
      } else if (served % 77 === 0) {
        // A clean close with the request unanswered: autocannon alone would not count it.
        dropped += 1;
        req.socket.destroy();
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end('{"version":"v1"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const group = new ProcessGroup();
    try {
      const startedAt = Date.now();
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/version`;
      const load = await startLoad(group, {
        url,
        connections: 4,
        startedAt,
        bundle: compileLoadGenerator(dir),
      });
      // Wait on the server, not on the clock: enough requests for both kinds of failure.
      while (served < 400) await new Promise((resolve) => setTimeout(resolve, 20));
      const figures = await load.stop();
      const endedAt = Date.now() - startedAt;
      assert.equal(figures.problem, undefined);
      assert.equal(figures.connections, 4);
      assert.ok(figures.answers >= 300, `${figures.answers} answers`);
      // Answers still in flight when the load stopped (one per connection) may go uncounted.
      assert.ok(
        figures.non2xx <= unavailable && figures.non2xx >= unavailable - 4,
        `${figures.non2xx} non-2xx of ${unavailable} sent`,
      );
      assert.ok(
        figures.errors <= dropped && figures.errors >= dropped - 4 && dropped >= 4,
        `${figures.errors} lost of ${dropped} dropped`,
      );
      const kinds = new Set(figures.failures.map((failure) => failure.what));
      assert.deepEqual([...kinds].sort(), ["HTTP 503", LOST].sort());
      assert.equal(
        figures.failures.length + figures.failuresNotListed,
        figures.non2xx + figures.errors + figures.timeouts,
      );
      for (const failure of figures.failures) {
        assert.ok(failure.atMs >= 0 && failure.atMs <= endedAt, `failure at ${failure.atMs} ms`);
      }
      assert.ok(figures.p99 >= figures.p50);
      assert.equal(group.running().length, 0, "the load generator exited");
    } finally {
      await group.stopAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
