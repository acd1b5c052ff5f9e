import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { startDashboardServer, type DashboardServer } from "../../tools/cli/dashboard/server";
import { readSnapshot, type Snapshot } from "../../tools/cli/dashboard/snapshot";
import { run } from "../../tools/cli/main";
import {
  events,
  fake,
  release,
  REGION,
  serviceDeploymentArn,
  serviceRevisionArn,
  type Fake,
} from "./fixture";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed JSON documents */

/**
 * dev (Amazon ECS blue/green), staging and prod (CodeDeploy) with three services: worker
 * deploying in dev, api deploying in prod, web drifted in staging.
 */
function world(): Fake {
  const f = fake({ stackFiles: { dev: REGION, staging: REGION, prod: REGION } });
  const r = (
    env: string,
    svc: string,
    version: string,
    rev: number,
    at: string,
    message?: string,
  ) => ({
    ...release(env, svc, version, rev, at),
    ...(message === undefined ? {} : { commitMessage: message }),
  });
  f.addStack(
    "dev",
    {
      web: {
        releases: [
          r(
            "dev",
            "web",
            "v1.5.0-rc.1",
            31,
            "2026-11-22T11:40:00.000Z",
            "Add the search box to the header",
          ),
        ],
      },
      api: {
        releases: [
          r(
            "dev",
            "api",
            "4f2a9c1",
            12,
            "2026-11-22T10:15:00.000Z",
            "Cache price lookups for 30 s",
          ),
        ],
      },
      worker: { releases: [r("dev", "worker", "v0.9.0", 4, "2026-11-20T16:00:00.000Z")] },
    },
    { engine: "ecs" },
  );
  // dev is on Amazon ECS blue/green: worker's service deployment is shifting production traffic.
  f.world.serviceDeployments.set(serviceDeploymentArn("dev", "worker", "SD5"), {
    cluster: "greenlight-dev",
    service: "worker",
    createdAt: new Date("2026-11-22T11:57:00Z"),
    targetRevision: serviceRevisionArn("dev", "worker", 5),
    steps: [{ status: "IN_PROGRESS", lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT", weight: 50 }],
  });
  f.addStack("staging", {
    web: {
      releases: [r("staging", "web", "v1.4.0", 28, "2026-11-21T09:00:00.000Z", "Release 1.4.0")],
      revision: 29,
    },
    api: {
      releases: [r("staging", "api", "v2.3.0", 9, "2026-11-21T14:30:00.000Z", "Release 2.3.0")],
    },
    worker: { releases: [r("staging", "worker", "v0.9.0", 4, "2026-11-20T17:00:00.000Z")] },
  });
  f.addStack("prod", {
    web: {
      releases: [
        r("prod", "web", "v1.3.2", 20, "2026-11-14T09:00:00.000Z", "Release 1.3.2"),
        {
          ...r("prod", "web", "v1.4.0", 21, "2026-11-22T08:30:00.000Z", "Release 1.4.0"),
          author: "Grace Hopper",
          promotedFrom: { environment: "staging", deploymentId: "d-WEB28" },
        },
      ],
    },
    api: { releases: [r("prod", "api", "v2.2.1", 7, "2026-11-18T10:00:00.000Z", "Release 2.2.1")] },
    worker: { releases: [r("prod", "worker", "v0.8.4", 3, "2026-11-12T10:00:00.000Z")] },
  });
  f.world.active.set("greenlight-prod-api", ["d-APIPROD8"]);
  f.world.deployments.set("d-APIPROD8", {
    info: {
      status: "InProgress",
      createTime: new Date("2026-11-22T11:56:00Z"),
      revision: { revisionType: "AppSpecContent", appSpecContent: { content: "{}" } },
    },
    steps: [{ status: "InProgress", events: events(6, "InProgress") }],
  });
  return f;
}

function get(
  url: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on("error", reject);
    request.setTimeout(10_000, () => request.destroy(new Error("timeout")));
    request.end();
  });
}

describe("greenlight dashboard", function () {
  this.timeout(120_000);
  let f: Fake;
  let server: DashboardServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    f.restore();
  });

  it("reads the matrix, deployments in progress and recent releases with message, author, digest and promotion", async () => {
    f = world();
    const snapshot = await readSnapshot([], undefined, f.deps);
    assert.deepEqual(
      snapshot.matrix.environments.map((e: any) => e.environment),
      ["dev", "staging", "prod"],
    );
    assert.deepEqual(snapshot.inProgress, [
      {
        environment: "dev",
        service: "worker",
        engine: "ecs",
        deploymentId: serviceDeploymentArn("dev", "worker", "SD5"),
        shortId: "SD5",
        status: "IN_PROGRESS",
        stage: "PRODUCTION_TRAFFIC_SHIFT (50% of production)",
        startedAt: "2026-11-22T11:57:00.000Z",
      },
      {
        environment: "prod",
        service: "api",
        engine: "codedeploy",
        deploymentId: "d-APIPROD8",
        shortId: "d-APIPROD8",
        status: "InProgress",
        stage: "AllowTraffic (InProgress)",
        startedAt: "2026-11-22T11:56:00.000Z",
      },
    ]);
    const newest = snapshot.releases[0]!;
    assert.equal(newest.environment, "dev");
    assert.equal(newest.message, "Add the search box to the header");
    const promoted = snapshot.releases.find(
      (r) => r.environment === "prod" && r.service === "web",
    )!;
    assert.equal(promoted.version, "v1.4.0");
    assert.equal(promoted.author, "Grace Hopper");
    assert.equal(promoted.digest, "sha256:111111111111");
    assert.equal(promoted.promotedFrom, "promoted from staging, deployment d-WEB28");
    assert.equal(promoted.live, true);
    assert.ok(snapshot.matrix.warnings.some((w: string) => /^staging web: drift/.test(w)));
    // Nothing in it looks like a credential.
    assert.doesNotMatch(JSON.stringify(snapshot), /AKID|secretAccessKey|sessionToken/i);
  });

  it("serves only this machine: 127.0.0.1, read-only, no third-party assets, AWS read at most once per refresh", async () => {
    f = world();
    let reads = 0;
    let clock = 0;
    server = await startDashboardServer({
      port: 0,
      refreshMs: 30_000,
      now: () => clock,
      read: async () => {
        reads += 1;
        return readSnapshot([], undefined, f.deps);
      },
      explain: () => ["x"],
    });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url);
    assert.equal(page.status, 200);
    assert.match(
      String(page.headers["content-security-policy"]),
      /default-src 'none'; script-src 'self'/,
    );
    assert.doesNotMatch(page.body, /https?:\/\//, "no external URL in the page");
    const [a, b] = await Promise.all([
      get(`${server.url}api/snapshot`),
      get(`${server.url}api/snapshot`),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.body, a.body);
    assert.equal(reads, 1, "two screens, one read");
    clock += 30_000;
    await get(`${server.url}api/snapshot`);
    assert.equal(reads, 2);
    assert.equal((await get(server.url, {}, "POST")).status, 405);
    assert.equal((await get(server.url, { Host: "evil.example.com" })).status, 421);
    assert.equal((await get(`${server.url}nope`)).status, 404);
  });

  it("keeps showing the last data with the error when AWS fails", async () => {
    f = world();
    let fail = false;
    let clock = 0;
    server = await startDashboardServer({
      port: 0,
      refreshMs: 1000,
      now: () => clock,
      read: async (): Promise<Snapshot> => {
        if (fail) throw new Error("boom");
        return readSnapshot([], undefined, f.deps);
      },
      explain: (error) => [`dashboard: ${(error as Error).message}`],
    });
    assert.equal((await get(`${server.url}api/snapshot`)).status, 200);
    fail = true;
    clock += 1000;
    const failed = await get(`${server.url}api/snapshot`);
    assert.equal(failed.status, 502);
    const doc = JSON.parse(failed.body);
    assert.deepEqual(doc.error, ["dashboard: boom"]);
    assert.equal(doc.stale.matrix.environments.length, 3);
  });

  it("refuses a bad --port or --refresh (exit 2), and stops cleanly on its signal", async () => {
    f = world();
    assert.equal(await run(["dashboard", "--port", "99999"], f.deps), 2);
    assert.match(f.stderr(), /--port "99999" must be a port number/);
    assert.equal(await run(["dashboard", "--refresh", "0"], f.deps), 2);
    let url = "";
    let stop!: () => void;
    const code = run(["dashboard", "--port", "0"], {
      ...f.deps,
      onListening: (at) => {
        url = at;
        stop();
      },
      stopSignal: new Promise<void>((resolve) => (stop = resolve)),
    });
    assert.equal(await code, 0);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await assert.rejects(get(url), /ECONNREFUSED/);
  });

  describe("in a real browser (Debian's chromium)", () => {
    let context: BrowserContext;
    let dir: string;
    before(async function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-browser-"));
      // A fresh profile of the test's own, in its own folder.
      context = await chromium.launchPersistentContext(path.join(dir, "profile"), {
        executablePath: "/usr/bin/chromium",
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
        viewport: { width: 1440, height: 1000 },
        timezoneId: "UTC",
      });
    });
    after(async () => {
      await context?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("shows the matrix, the deploying service and the drift warning, asks nothing of any other host, and a screenshot is written", async () => {
      f = world();
      server = await startDashboardServer({
        port: 0,
        refreshMs: 30_000,
        now: f.deps.now,
        read: () => readSnapshot([], undefined, f.deps),
        explain: () => ["x"],
      });
      // The page's clock is the test's, so the ages read the same every run.
      await context.addInitScript(`Date.now = () => ${f.deps.now()};`);
      const page = await context.newPage();
      const hosts = new Set<string>();
      page.on("request", (request) => hosts.add(new URL(request.url()).host));
      await page.goto(server.url);
      await page.waitForSelector('[data-env="prod"] [data-state="deploying"]');
      const cell = (service: string, env: string) =>
        page.locator(`tr[data-service="${service}"] td[data-env="${env}"]`).innerText();
      assert.match(await cell("api", "prod"), /v2\.2\.1\s+deploying AllowTraffic/);
      assert.match(await cell("web", "staging"), /v1\.4\.0\s+drift/);
      assert.match(
        await cell("web", "prod"),
        /v1\.4\.0\s+live\s+CodeDeploy\s+3 h ago · Grace Hopper · 2\/2 tasks/,
      );
      assert.match(
        await cell("worker", "dev"),
        /v0\.9\.0\s+deploying PRODUCTION_TRAFFIC_SHIFT\s+ECS blue\/green/,
      );
      const headers = await page.locator("#matrix thead th").allInnerTexts();
      assert.deepEqual(
        headers.map((h) => h.split("\n")[0]),
        ["Service", "dev", "staging", "prod"],
      );
      assert.match(
        await page.locator("#progress").innerText(),
        /prod · api CodeDeploy — InProgress, AllowTraffic \(InProgress\) d-APIPROD8/,
      );
      assert.match(
        await page.locator("#progress").innerText(),
        /dev · worker ECS blue\/green — IN_PROGRESS, PRODUCTION_TRAFFIC_SHIFT \(50% of production\) SD5/,
      );
      assert.match(
        await page.locator("#warnings").innerText(),
        /staging web: drift: ECS serves greenlight-staging-web:29/,
      );
      const releases = await page.locator("#releases").innerText();
      assert.match(releases, /Add the search box to the header/);
      assert.match(releases, /Release 1\.4\.0 — promoted from staging, deployment d-WEB28/);
      assert.match(releases, /sha256:111111111111/);
      assert.deepEqual([...hosts], [new URL(server.url).host]);
      const shot = path.join(dir, "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });
      const png = fs.readFileSync(shot);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.length > 20_000, `a real picture (${png.length} bytes)`);
      // The README's picture: GREENLIGHT_SCREENSHOT=tools/cli/dashboard/screenshot.png
      const keep = process.env.GREENLIGHT_SCREENSHOT;
      if (keep !== undefined && keep !== "") fs.copyFileSync(shot, keep);
    });
  });
});
