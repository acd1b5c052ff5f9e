import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig, type ServiceConfig } from "../components/config";
import {
  containerDefinition,
  PLACEHOLDER_IMAGE,
  PLACEHOLDER_VERSION,
  placeholderContainer,
  placeholderScript,
} from "../components/taskdef";
import { stackFileRaw } from "./harness";

function service(patch: Record<string, unknown> = {}): ServiceConfig {
  const raw = stackFileRaw("dev");
  raw.services = [{ ...raw.services[0], ...patch }];
  return parseConfig(raw).services[0];
}

/** Runs the placeholder's script under BusyBox sh with `httpd` replaced by a recorder. */
function runPlaceholder(svc: ServiceConfig, dir: string): string[] {
  const root = path.join(dir, "srv");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  const argsFile = path.join(dir, "httpd-args");
  fs.writeFileSync(
    path.join(bin, "httpd"),
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${argsFile}'\n`,
    { mode: 0o755 },
  );
  execFileSync("busybox", ["sh", "-c", placeholderScript(svc, root)], {
    env: { PATH: `${bin}:/usr/bin:/bin` },
  });
  return fs.readFileSync(argsFile, "utf8").trim().split("\n");
}

/** One request through BusyBox httpd in inetd mode (stdin/stdout): status line and body. */
function get(root: string, urlPath: string): { status: string; body: string } {
  const response = execFileSync("busybox", ["httpd", "-i", "-h", root], {
    input: `GET ${encodeURI(urlPath)} HTTP/1.0\r\nHost: placeholder\r\n\r\n`,
  }).toString();
  const [head, ...rest] = response.split("\r\n\r\n");
  return { status: head.split("\r\n")[0], body: rest.join("\r\n\r\n") };
}

describe("the task definition template", () => {
  it("puts the service's secrets (sorted, by ARN) and its stop timeout in the container", () => {
    const svc = service({
      stopTimeoutSeconds: 90,
      secrets: { DB_PASSWORD: "dev/orders/db:password", FLAGS: { ssm: "/dev/flags" } },
    });
    const container = containerDefinition({
      service: svc,
      environment: "dev",
      image: "<IMAGE1_NAME>",
      family: "greenlight-dev-web",
      executionRoleArn: "arn:aws:iam::123456789012:role/x",
      taskRoleArn: "arn:aws:iam::123456789012:role/y",
      logGroupName: "/greenlight/dev/web",
      region: "eu-west-1",
      accountId: "123456789012",
      repositoryUrl: "https://github.com/acme/shop",
    });
    assert.deepEqual(container.secrets, [
      {
        name: "DB_PASSWORD",
        valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/orders/db:password::",
      },
      { name: "FLAGS", valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/dev/flags" },
    ]);
    assert.equal(container.stopTimeout, 90);
    const names = (container.environment ?? []).map((e) => e.name);
    assert.ok(!names.includes("DB_PASSWORD") && !names.includes("FLAGS"));
    const none = containerDefinition({
      service: service(),
      environment: "dev",
      image: "x",
      family: "f",
      executionRoleArn: "e",
      taskRoleArn: "t",
      logGroupName: "l",
      region: "eu-west-1",
      accountId: "123456789012",
      repositoryUrl: "u",
    });
    assert.equal("secrets" in none, false);
  });
});

describe("the first-deploy placeholder", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-placeholder-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is the service's container name and port, on BusyBox from ECR Public, with no secrets", () => {
    const svc = service({ secrets: { DB_PASSWORD: "dev/db:password" } });
    const c = placeholderContainer(svc, "/greenlight/dev/web", "eu-west-1");
    assert.equal(c.name, svc.name);
    assert.equal(c.image, PLACEHOLDER_IMAGE);
    assert.match(PLACEHOLDER_IMAGE, /^public\.ecr\.aws\/docker\/library\/busybox:\d+\.\d+\.\d+$/);
    assert.deepEqual(c.portMappings, [
      { containerPort: svc.containerPort, hostPort: svc.containerPort, protocol: "tcp" },
    ]);
    assert.equal(c.secrets, undefined);
    assert.equal(c.environment, undefined);
    assert.deepEqual(c.linuxParameters, { initProcessEnabled: true });
    assert.deepEqual(c.entryPoint, ["sh", "-c"]);
    assert.equal(c.logConfiguration?.options?.["awslogs-group"], "/greenlight/dev/web");
  });

  it("answers the health check and the version path (its script and BusyBox httpd, run for real)", () => {
    const svc = service();
    const args = runPlaceholder(svc, dir);
    const root = path.join(dir, "srv");
    assert.deepEqual(args, ["-f", "-v", "-p", String(svc.containerPort), "-h", root]);
    const health = get(root, svc.healthCheckPath);
    assert.equal(health.status, "HTTP/1.1 200 OK");
    assert.equal(health.body, "ok\n");
    const version = get(root, svc.versionPath);
    assert.equal(version.status, "HTTP/1.1 200 OK");
    assert.deepEqual(JSON.parse(version.body), { version: PLACEHOLDER_VERSION, service: svc.name });
    assert.equal(get(root, "/nothing-here").status, "HTTP/1.1 404 Not Found");
  });

  it("serves nested paths, a path ending in /, and paths with quotes and $ safely", () => {
    const svc = service({
      containerPort: 9000,
      healthCheckPath: "/status/ready/",
      versionPath: "/it's/$HOME/version",
    });
    runPlaceholder(svc, dir);
    const root = path.join(dir, "srv");
    assert.equal(get(root, "/status/ready/").status, "HTTP/1.1 200 OK");
    assert.equal(get(root, "/status/ready/").body, "ok\n");
    const version = get(root, "/it's/$HOME/version");
    assert.equal(version.status, "HTTP/1.1 200 OK");
    assert.equal(JSON.parse(version.body).version, PLACEHOLDER_VERSION);
    // Nothing was written outside the document root.
    assert.deepEqual(fs.readdirSync(dir).sort(), ["bin", "httpd-args", "srv"]);
  });
});
