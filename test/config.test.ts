import { strict as assert } from "assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  MAX_LISTENERS_PER_ALB,
  isProduction,
  loadConfig,
  parseConfig,
  predefinedShifting,
  type GreenlightConfig,
  type RawConfig,
} from "../components/config";
import { nearestKey } from "../components/config/fields";
import { limitProblems, loadBalancerUsage, maxServices } from "../components/config/limits";
import { hookPlacement, resolveNetwork, zoneProblems } from "../components/config/rules";
import {
  REPO_ROOT,
  STACKS,
  TEST_WEBHOOK_TOKEN,
  TEST_WEBHOOK_URL,
  runStack,
  stackFileRaw,
  toEngineConfig,
} from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- raw config is untyped YAML by nature */

/** A valid raw config, to break one setting at a time. */
function valid(): Record<string, any> {
  return {
    environment: "dev",
    network: { cidr: "10.10.0.0/16", availabilityZones: 2, natGateways: "single" },
    services: [{ name: "web", sourcePath: "app-sample", containerPort: 8080 }],
    source: { provider: "GitHub", repository: "acme/shop", branches: ["development"] },
  };
}

/** The problems parseConfig reports for a raw config (fails the test if it accepts it). */
function problems(raw: RawConfig): readonly string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail("the configuration was accepted");
}

function withService(patch: Record<string, unknown>): Record<string, any> {
  const raw = valid();
  raw.services = [{ ...raw.services[0], ...patch }];
  return raw;
}

/** `n` services with their own listener ports. */
function services(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `svc${i}`,
    sourcePath: `services/svc${i}`,
    containerPort: 8080,
    prodPort: 10000 + i,
    testPort: 20000 + i,
  }));
}

describe("stack configuration", () => {
  it("accepts a minimal configuration and fills in the documented defaults", () => {
    const config: GreenlightConfig = parseConfig(valid());
    const [web] = config.services;
    assert.deepEqual(
      {
        prodPort: web.prodPort,
        testPort: web.testPort,
        cpu: web.cpu,
        memory: web.memory,
        desiredCount: web.desiredCount,
        healthCheckPath: web.healthCheckPath,
        versionPath: web.versionPath,
        dockerfile: web.dockerfile,
      },
      {
        prodPort: 80,
        testPort: 8443,
        cpu: 256,
        memory: 512,
        desiredCount: 2,
        healthCheckPath: "/health",
        versionPath: "/version",
        dockerfile: "app-sample/Dockerfile",
      },
    );
    assert.deepEqual(config.deployment.trafficShifting, {
      type: "AllAtOnce",
      predefined: "AllAtOnce",
    });
    assert.equal(config.deployment.terminationWaitMinutes, 5);
    assert.deepEqual(config.loadBalancer.prodIngressCidrs, ["0.0.0.0/0"]);
    assert.deepEqual(config.loadBalancer.testIngressCidrs, []);
    assert.equal(config.logRetentionDays, 14);
    assert.equal(config.pipeline.approval, false);
    assert.equal(config.source.repositoryUrl, "https://github.com/acme/shop");
    assert.deepEqual(config.network.publicSubnetCidrs, ["10.10.0.0/19", "10.10.32.0/19"]);
    assert.deepEqual(config.network.privateSubnetCidrs, ["10.10.128.0/19", "10.10.160.0/19"]);
  });

  it("accepts pipeline.promoteOnly, off by default, and refuses a value that is not a boolean", () => {
    assert.equal(parseConfig(valid()).pipeline.promoteOnly, false);
    assert.equal(
      parseConfig({ ...valid(), pipeline: { promoteOnly: true } }).pipeline.promoteOnly,
      true,
    );
    assert.throws(
      () => parseConfig({ ...valid(), pipeline: { promoteOnly: "yes" } }),
      /greenlight:pipeline\.promoteOnly must be true or false, not string "yes"/,
    );
  });

  it("turns on approval, deletion protection and longer log retention in prod", () => {
    const config = parseConfig({ ...valid(), environment: "prod" });
    assert.equal(config.pipeline.approval, true);
    assert.equal(config.loadBalancer.deletionProtection, true);
    assert.equal(config.logRetentionDays, 90);
  });

  for (const stack of STACKS) {
    it(`accepts Pulumi.${stack}.yaml as written`, () => {
      const config = parseConfig(stackFileRaw(stack));
      assert.equal(config.environment, stack);
      assert.ok(config.services.length >= 1);
    });
  }

  it("reads the three stacks' different settings", () => {
    const [dev, staging, prod] = STACKS.map((s) => parseConfig(stackFileRaw(s)));
    assert.deepEqual(
      [dev, staging, prod].map((c) => c.network.natGateways),
      ["single", "single", "perAz"],
    );
    assert.deepEqual(
      [dev, staging, prod].map((c) => c.deployment.trafficShifting.type),
      ["AllAtOnce", "Linear", "Canary"],
    );
    assert.deepEqual(prod.loadBalancer.domain, {
      zone: { name: "example.com" },
      name: "shop.example.com",
    });
    assert.equal(prod.loadBalancer.domainName, "shop.example.com");
    assert.equal(prod.loadBalancer.certificateArn, undefined);
    assert.equal(dev.loadBalancer.domain, undefined);
    assert.ok(prod.services.every((s) => s.autoscaling !== undefined && s.secrets.length > 0));
  });

  describe("rejects, naming the key and the fix,", () => {
    it("a CIDR that is not a CIDR block", () => {
      const raw = valid();
      raw.network.cidr = "10.10.0.0/33";
      assert.deepEqual(problems(raw), [
        'greenlight:network.cidr is "10.10.0.0/33"; it is not an IPv4 CIDR block such as 10.0.0.0/16 (octets go to 255, prefixes to 32).',
      ]);
    });

    it("a CIDR with host bits set", () => {
      const raw = valid();
      raw.network.cidr = "10.10.1.0/16";
      assert.deepEqual(problems(raw), [
        'greenlight:network.cidr is "10.10.1.0/16"; it has host bits set: the block is 10.10.0.0/16.',
      ]);
    });

    it("a VPC block larger than /16", () => {
      const raw = valid();
      raw.network.cidr = "10.0.0.0/8";
      assert.deepEqual(problems(raw), [
        "greenlight:network.cidr is 10.0.0.0/8; a VPC block must be between /16 and /24 (e.g. 10.0.0.0/16).",
      ]);
    });

    it("overlapping subnet CIDRs", () => {
      const raw = valid();
      raw.network.publicSubnetCidrs = ["10.10.0.0/20", "10.10.8.0/21"];
      raw.network.privateSubnetCidrs = ["10.10.128.0/20", "10.10.144.0/20"];
      assert.deepEqual(problems(raw), [
        "greenlight:network.publicSubnetCidrs[0] (10.10.0.0/20) overlaps greenlight:network.publicSubnetCidrs[1] (10.10.8.0/21); subnets must not share addresses.",
      ]);
    });

    it("a subnet outside the VPC", () => {
      const raw = valid();
      raw.network.publicSubnetCidrs = ["10.10.0.0/20", "10.11.0.0/20"];
      assert.deepEqual(problems(raw), [
        "greenlight:network.publicSubnetCidrs[1] is 10.11.0.0/20, outside the VPC 10.10.0.0/16; choose a block inside it.",
      ]);
    });

    it("an invalid ingress CIDR", () => {
      const raw = valid();
      raw.loadBalancer = { testIngressCidrs: ["office"] };
      assert.deepEqual(problems(raw), [
        'greenlight:loadBalancer.testIngressCidrs[0] is "office"; it is not an IPv4 CIDR block such as 10.0.0.0/16.',
      ]);
    });

    it("fewer than 2 availability zones", () => {
      const raw = valid();
      raw.network.availabilityZones = 1;
      assert.deepEqual(problems(raw), [
        "greenlight:network.availabilityZones is 1; an ALB and a highly available service need at least 2 availability zones: set it to 2 or more.",
      ]);
    });

    it("a single named availability zone", () => {
      const raw = valid();
      raw.network.availabilityZones = ["eu-west-1a"];
      assert.deepEqual(problems(raw), [
        'greenlight:network.availabilityZones is ["eu-west-1a"]; an ALB and a highly available service need at least 2 availability zones: set it to 2 or more.',
      ]);
    });

    it("a cpu Fargate does not offer", () => {
      assert.deepEqual(problems(withService({ cpu: 300 })), [
        "greenlight:services[0].cpu is 300; Fargate accepts 256, 512, 1024, 2048, 4096, 8192 or 16384.",
      ]);
    });

    it("a cpu/memory pair Fargate does not offer", () => {
      assert.deepEqual(problems(withService({ cpu: 256, memory: 4096 })), [
        "greenlight:services[0].memory is 4096 with cpu 256; Fargate offers 512, 1024 or 2048 MiB for 256 cpu units: change memory or cpu.",
      ]);
      assert.deepEqual(problems(withService({ cpu: 1024, memory: 1024 })), [
        "greenlight:services[0].memory is 1024 with cpu 1024; Fargate offers 2048 to 8192 in steps of 1024 MiB for 1024 cpu units: change memory or cpu.",
      ]);
    });

    it("duplicate service names", () => {
      const raw = valid();
      raw.services = [
        { name: "web", sourcePath: "a", containerPort: 8080 },
        { name: "web", sourcePath: "b", containerPort: 8080, prodPort: 8081, testPort: 9081 },
      ];
      assert.deepEqual(problems(raw), [
        'greenlight:services[1].name is "web", the same as greenlight:services[0].name; service names must be unique in a stack.',
      ]);
    });

    it("a service name that would overflow the 32-character target group name", () => {
      assert.deepEqual(problems(withService({ name: "payments-reconciler" })), [
        'greenlight:services[0].name is "payments-reconciler" (19 characters); target group names are at most 32 characters and Greenlight adds "-green" and an 8-character unique suffix, so a service name has at most 18 characters.',
      ]);
      // 18 characters is the longest that fits.
      assert.equal(
        parseConfig(withService({ name: "payments-reconcil" + "e" })).services[0].name.length,
        18,
      );
    });

    it("a service name that is not DNS-safe", () => {
      for (const name of ["Web", "web_api", "-web", "web-", "9web", "web--api"]) {
        assert.deepEqual(problems(withService({ name })), [
          `greenlight:services[0].name is "${name}"; service names become DNS labels and AWS resource names: use lower-case letters, digits and single dashes, starting with a letter and not ending with a dash (e.g. orders-api).`,
        ]);
      }
    });

    it("a port out of range", () => {
      assert.deepEqual(problems(withService({ containerPort: 0 })), [
        "greenlight:services[0].containerPort is 0; ports go from 1 to 65535: use a value from 1 to 65535.",
      ]);
      assert.deepEqual(problems(withService({ prodPort: 65536 })), [
        "greenlight:services[0].prodPort is 65536; ports go from 1 to 65535: use a value from 1 to 65535.",
      ]);
    });

    it("two listeners on one port", () => {
      const raw = valid();
      raw.services = [
        { name: "web", sourcePath: "a", containerPort: 8080, prodPort: 80, testPort: 8080 },
        { name: "orders", sourcePath: "b", containerPort: 8080, prodPort: 8080, testPort: 9081 },
      ];
      assert.deepEqual(problems(raw), [
        "greenlight:services[1].prodPort is 8080, already used by greenlight:services[0].testPort; every listener of the load balancer needs its own port.",
      ]);
    });

    it("an unknown traffic-shifting choice", () => {
      const raw = { ...valid(), deployment: { trafficShifting: "Canary50Percent" } };
      assert.deepEqual(problems(raw), [
        'greenlight:deployment.trafficShifting is "Canary50Percent"; choose one of AllAtOnce, Canary10Percent5Minutes, Canary10Percent15Minutes, Linear10PercentEvery1Minutes, Linear10PercentEvery3Minutes, or {type: Canary|Linear, percent, intervalMinutes}.',
      ]);
    });

    it("a custom traffic shift with an impossible percentage", () => {
      const raw = {
        ...valid(),
        deployment: { trafficShifting: { type: "Linear", percent: 100, intervalMinutes: 2 } },
      };
      assert.deepEqual(problems(raw), [
        "greenlight:deployment.trafficShifting.percent is 100; use a value from 1 to 99.",
      ]);
    });

    it("a termination wait outside what CodeDeploy allows", () => {
      for (const wait of [-1, 2881]) {
        assert.deepEqual(problems({ ...valid(), deployment: { terminationWaitMinutes: wait } }), [
          `greenlight:deployment.terminationWaitMinutes is ${wait}; CodeDeploy waits between 0 and 2880 minutes (2 days) before terminating the old tasks: use a value from 0 to 2880.`,
        ]);
      }
    });

    it("a health check path not starting with /", () => {
      assert.deepEqual(problems(withService({ healthCheckPath: "health" })), [
        'greenlight:services[0].healthCheckPath is "health"; a path must start with "/" (e.g. /health).',
      ]);
      assert.deepEqual(problems(withService({ versionPath: "version" })), [
        'greenlight:services[0].versionPath is "version"; a path must start with "/" (e.g. /version).',
      ]);
    });

    it("a missing required key", () => {
      const raw = valid();
      delete raw.services;
      assert.deepEqual(problems(raw), [
        "greenlight:services is required; add a list of services to the stack file, e.g. services: [{name: api, sourcePath: services/api, containerPort: 8080}].",
      ]);
      const noEnv = valid();
      delete noEnv.environment;
      assert.deepEqual(problems(noEnv), [
        "greenlight:environment is required; set it in the stack file.",
      ]);
      assert.deepEqual(problems(withService({ containerPort: undefined })), [
        "greenlight:services[0].containerPort is required; set it in the stack file.",
      ]);
    });

    it("a test listener open to anywhere in prod", () => {
      const raw = {
        ...valid(),
        environment: "prod",
        loadBalancer: { testIngressCidrs: ["0.0.0.0/0"] },
      };
      assert.deepEqual(problems(raw), [
        "greenlight:loadBalancer.testIngressCidrs includes 0.0.0.0/0; in prod the test listener serves unreleased versions and must never be open to anywhere: list your office or VPN ranges.",
      ]);
    });

    it("a misspelt setting, suggesting the right one", () => {
      assert.deepEqual(problems(withService({ cpus: 256 })), [
        "greenlight:services[0].cpus is not a Greenlight setting; did you mean cpu?",
      ]);
    });

    it("a log retention CloudWatch does not offer", () => {
      assert.deepEqual(problems({ ...valid(), logRetentionDays: 10 }), [
        "greenlight:logRetentionDays is 10; choose one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653.",
      ]);
    });

    it("an existing VPC with one subnet", () => {
      const raw = valid();
      raw.network = {
        vpcId: "vpc-0abc",
        publicSubnetIds: ["subnet-01"],
        privateSubnetIds: ["subnet-02", "subnet-03"],
      };
      assert.deepEqual(problems(raw), [
        "greenlight:network.publicSubnetIds has 1 entry; list at least 2.",
      ]);
    });

    it("every problem at once, not just the first", () => {
      const raw = withService({ cpu: 300, healthCheckPath: "x", name: "Web" });
      raw.network.availabilityZones = 1;
      assert.equal(problems(raw).length, 4);
    });
  });

  it("adopts an existing VPC by ids", () => {
    const raw = valid();
    raw.network = {
      vpcId: "vpc-0abc",
      publicSubnetIds: ["subnet-01", "subnet-02"],
      privateSubnetIds: ["subnet-03", "subnet-04"],
    };
    const config = parseConfig(raw);
    assert.equal(config.network.mode, "existing");
    assert.deepEqual(config.network.privateSubnetIds, ["subnet-03", "subnet-04"]);
  });

  it("reads the steps of CodeDeploy's predefined traffic shifts from their names", () => {
    assert.deepEqual(predefinedShifting("Canary10Percent15Minutes"), {
      type: "Canary",
      percent: 10,
      intervalMinutes: 15,
      predefined: "Canary10Percent15Minutes",
    });
    assert.deepEqual(predefinedShifting("Linear10PercentEvery3Minutes"), {
      type: "Linear",
      percent: 10,
      intervalMinutes: 3,
      predefined: "Linear10PercentEvery3Minutes",
    });
  });

  it("creates nothing when the configuration is invalid", async () => {
    const raw = withService({ cpu: 300 });
    await assert.rejects(runStack(raw), (e: Error) => {
      assert.match(e.message, /greenlight:services\[0\]\.cpu is 300/);
      return true;
    });
  });

  describe("the runtime keys (secrets, permissions, autoscaling, domain), rejecting", () => {
    it("a secret-looking environment variable, pointing at secrets and never showing the value", () => {
      const raw = withService({
        environment: { DB_PASSWORD: "pa55-w0rd-value", KEY: "AKIAIOSFODNN7EXAMPLE" },
      });
      const found = problems(raw);
      assert.deepEqual(
        found.map((p) => p.split(";")[0]),
        [
          "greenlight:services[0].environment.DB_PASSWORD is named like a secret",
          "greenlight:services[0].environment.KEY has a value that looks like an AWS access key id (not shown)",
        ],
      );
      for (const p of found) {
        assert.match(p, /greenlight:services\[0\]\.secrets\./);
        assert.ok(!p.includes("pa55-w0rd-value") && !p.includes("AKIAIOSFODNN7EXAMPLE"), p);
      }
    });

    it("a malformed secret reference", () => {
      assert.deepEqual(problems(withService({ secrets: { DB_PASSWORD: "prod/db:pass:word" } })), [
        'greenlight:services[0].secrets.DB_PASSWORD has a malformed JSON key after "prod/db:"; write <secret name>:<json-key> with one key and no spaces or further colons (e.g. prod/orders/db:password).',
      ]);
    });

    it("autoscaling with min above max", () => {
      assert.deepEqual(problems(withService({ autoscaling: { min: 6, max: 3 } })), [
        "greenlight:services[0].autoscaling.min is 6, more than max 3; set min ≤ max.",
      ]);
    });

    it("a wildcard action in a service's permissions", () => {
      assert.deepEqual(
        problems(
          withService({
            permissions: { statements: [{ actions: ["s3:*"], resources: ["arn:aws:s3:::b/*"] }] },
          }),
        ),
        [
          'greenlight:services[0].permissions.statements[0].actions[0] is "s3:*"; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).',
        ],
      );
    });

    it("HTTPS without a name the certificate covers", () => {
      const raw = valid();
      raw.loadBalancer = { certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" };
      assert.deepEqual(problems(raw), [
        "greenlight:loadBalancer.certificateArn is set without greenlight:loadBalancer.domainName; HTTPS needs the name the certificate covers, pointing at the ALB (the live hook probes it: the ALB's own DNS name fails TLS verification). Set domainName, or replace certificateArn with domain {zone, name} to have Greenlight create the certificate and the DNS records.",
      ]);
    });

    it("a certificate in another region than the stack's (aws:region)", () => {
      const raw = valid();
      raw.loadBalancer = {
        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        domainName: "shop.example.com",
      };
      assert.throws(
        () => loadConfig(toEngineConfig(raw)),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.problems.length === 1 &&
          e.problems[0].startsWith(
            "greenlight:loadBalancer.certificateArn is a certificate in us-east-1, but the stack's load balancer is in eu-west-1 (aws:region)",
          ),
      );
      raw.loadBalancer.certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/abc";
      assert.equal(loadConfig(toEngineConfig(raw)).loadBalancer.domainName, "shop.example.com");
    });

    it("an unknown hosted zone form, and still reports every other problem", () => {
      const raw = withService({ autoscaling: { min: 3, max: 2 } });
      raw.loadBalancer = { domain: { zone: "example", name: "shop.example.com" } };
      assert.deepEqual(problems(raw), [
        'greenlight:loadBalancer.domain.zone is "example", neither a hosted zone id (Z followed by upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ) nor a lower-case domain name (example.com); use one of the two forms.',
        "greenlight:services[0].autoscaling.min is 3, more than max 2; set min ≤ max.",
      ]);
    });

    it("accepts a domain: HTTPS on 443 by default, port 80 for the redirect, the name for probes", () => {
      const raw = valid();
      raw.loadBalancer = { domain: { zone: "example.com", name: "shop.example.com" } };
      const config = parseConfig(raw);
      assert.equal(config.services[0].prodPort, 443);
      assert.equal(config.loadBalancer.domainName, "shop.example.com");
      raw.services[0].prodPort = 80;
      assert.match(
        problems(raw)[0],
        /prodPort is 80, already used by greenlight:loadBalancer\.httpRedirect/,
      );
    });

    it("fills in the runtime defaults", () => {
      const [web] = parseConfig(valid()).services;
      assert.deepEqual(
        {
          secrets: web.secrets,
          permissions: web.permissions,
          autoscaling: web.autoscaling,
          exec: web.exec,
          grace: web.healthCheckGracePeriodSeconds,
          stop: web.stopTimeoutSeconds,
        },
        {
          secrets: [],
          permissions: { statements: [], managedPolicyArns: [] },
          autoscaling: undefined,
          exec: false,
          grace: 30,
          stop: 30,
        },
      );
      const scaled = parseConfig(withService({ autoscaling: { min: 4, max: 8 } })).services[0];
      assert.equal(scaled.desiredCount, 4);
      assert.deepEqual(problems(withService({ stopTimeoutSeconds: 300, exec: "yes" })), [
        'greenlight:services[0].exec must be true or false, not string "yes".',
        "greenlight:services[0].stopTimeoutSeconds is 300; Fargate waits at most 120 s after SIGTERM: use a value from 2 to 120.",
      ]);
    });
  });

  describe("suggests the key a typo meant", () => {
    it("in another case, for the secret webhook key too, without showing its value", () => {
      const all = {
        ...toEngineConfig(valid()),
        "greenlight:slackWebhookURL": TEST_WEBHOOK_URL,
      };
      assert.throws(
        () => loadConfig(all),
        (e: ConfigError) => {
          assert.deepEqual(e.problems, [
            "greenlight:slackWebhookURL is not a Greenlight setting; did you mean slackWebhookUrl?",
          ]);
          assert.ok(!e.message.includes("hooks.slack.com"));
          return true;
        },
      );
    });

    it("names a secret key's problem without its value", () => {
      const raw = withService({ environment: { TOKEN: ["hunter2"] } });
      const all = { ...toEngineConfig(raw), "greenlight:environment": "Prod_hunter2" };
      assert.throws(
        () => loadConfig(all, ["greenlight:environment", "greenlight:services"]),
        (e: ConfigError) => {
          assert.deepEqual(e.problems, [
            "greenlight:environment is not valid (value and reason not shown: greenlight:environment is a secret); check it against the README's configuration reference.",
            "greenlight:services[0].environment.TOKEN is not valid (value and reason not shown: greenlight:services is a secret); check it against the README's configuration reference.",
          ]);
          assert.ok(!e.message.includes("hunter2"));
          return true;
        },
      );
    });

    it("one or two letters off, in any section", () => {
      const raw = valid();
      raw.network.natGateway = "single";
      raw.source.branchs = ["main"];
      raw.liveChek = {};
      assert.deepEqual(problems(raw), [
        "greenlight:network.natGateway is not a Greenlight setting; did you mean natGateways?",
        "greenlight:source.branchs is not a Greenlight setting; did you mean branches?",
        "greenlight:liveChek is not a Greenlight setting; did you mean liveCheck?",
      ]);
    });

    it("lists the known keys when nothing is near", () => {
      assert.deepEqual(problems({ ...valid(), alerts: { colour: "red" } }), [
        "greenlight:alerts.colour is not a Greenlight setting; known settings: cpuPercent, memoryPercent, dedupWindowMinutes.",
      ]);
      assert.equal(nearestKey("zzzzzz", ["cpu", "memory"]), undefined);
      assert.equal(nearestKey("MEMROY", ["cpu", "memory"]), "memory");
    });
  });

  describe("reports bad values of every kind with the key and the fix", () => {
    it("wrong types, empty values and whole numbers", () => {
      const raw = withService({ desiredCount: "two", cpu: 256.5, environment: ["A=1"] });
      raw.loadBalancer = { internal: "yes", prodIngressCidrs: "0.0.0.0/0" };
      raw.keepImages = 2.5;
      raw.source.repository = "";
      assert.deepEqual(problems(raw), [
        'greenlight:loadBalancer.internal must be true or false, not string "yes".',
        'greenlight:loadBalancer.prodIngressCidrs must be a list, not string "0.0.0.0/0".',
        "greenlight:keepImages is 2.5; use a whole number.",
        "greenlight:services[0].cpu is 256.5; Fargate accepts 256, 512, 1024, 2048, 4096, 8192 or 16384.",
        'greenlight:services[0].desiredCount must be a number, not string "two".',
        "greenlight:services[0].environment must be a map of NAME: value, not a list.",
        'greenlight:source.repository must be a non-empty string, not string "".',
      ]);
    });

    it("environment names and values a container cannot take", () => {
      assert.deepEqual(
        problems(withService({ environment: { "1X": "a", GREENLIGHT_SHA: "b", OK: { a: 1 } } })),
        [
          "greenlight:services[0].environment.1X is not a valid environment variable name; use letters, digits and underscores.",
          "greenlight:services[0].environment.GREENLIGHT_SHA uses the GREENLIGHT_ prefix, which the pipeline reserves for build metadata; rename it.",
          "greenlight:services[0].environment.OK must be a string, number or boolean, not a map.",
        ],
      );
    });

    it("repository paths outside the repository", () => {
      assert.deepEqual(
        problems(withService({ sourcePath: "/srv/app", sharedPaths: ["../libs"] })),
        [
          'greenlight:services[0].sourcePath is "/srv/app", an absolute path; give the folder relative to the repository root (e.g. services/api).',
          'greenlight:services[0].sharedPaths[0] is "../libs", which climbs out of the repository with ".."; give a folder inside it.',
        ],
      );
      assert.equal(
        parseConfig(withService({ sourcePath: "app-sample/" })).services[0].sourcePath,
        "app-sample",
      );
    });

    it("a section that is not a map, and empty values as if unset", () => {
      assert.deepEqual(problems({ ...valid(), deployment: ["AllAtOnce"] }), [
        "greenlight:deployment must be a map of settings, not a list.",
      ]);
      const config = parseConfig({ ...valid(), pipeline: { approval: null }, keepImages: null });
      assert.equal(config.pipeline.approval, false);
      assert.equal(config.keepImages, 30);
    });

    it("a second service without its listener ports, and a clash with the redirect", () => {
      const raw = valid();
      raw.services.push({ name: "orders", sourcePath: "orders", containerPort: 8080 });
      assert.deepEqual(problems(raw), [
        "greenlight:services[1].prodPort is required; set it in the stack file.",
        "greenlight:services[1].testPort is required; set it in the stack file.",
      ]);
      const tls = withService({ prodPort: 443, testPort: 80 });
      tls.loadBalancer = {
        certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
        domainName: "shop.example.com",
      };
      assert.deepEqual(problems(tls), [
        "greenlight:services[0].testPort is 80, already used by greenlight:loadBalancer.httpRedirect; every listener of the load balancer needs its own port.",
      ]);
    });

    it("a new VPC without a block, and both a block and an existing VPC", () => {
      const raw = valid();
      delete raw.network.cidr;
      assert.deepEqual(problems(raw), [
        "greenlight:network.cidr is required; set it in the stack file.",
      ]);
      raw.network = {
        cidr: "10.0.0.0/16",
        vpcId: "vpc-0abc",
        publicSubnetIds: ["subnet-1", "subnet-2"],
      };
      assert.deepEqual(problems(raw), [
        "greenlight:network.cidr and greenlight:network.vpcId are both set; set cidr to create a VPC, or vpcId to use an existing one, not both.",
        "greenlight:network.privateSubnetIds is required; set it to a list in the stack file.",
      ]);
    });

    it("zones listed twice or more zones than the layout has", () => {
      assert.deepEqual(zoneProblems(["eu-west-1a", "eu-west-1a"]), [
        { path: [], message: "lists a zone twice; list each zone once." },
      ]);
      assert.deepEqual(zoneProblems(5), [
        { path: [], message: "is 5; Greenlight lays out at most 4 zones: set 2, 3 or 4." },
      ]);
      assert.deepEqual(zoneProblems(3), []);
    });
  });

  describe("one rule for production", () => {
    it("treats prod and production alike, and nothing else", () => {
      assert.deepEqual(["prod", "production", "prod2", "preprod", "dev"].map(isProduction), [
        true,
        true,
        false,
        false,
        false,
      ]);
      const config = parseConfig({ ...valid(), environment: "production" });
      assert.equal(config.pipeline.approval, true);
      assert.equal(config.loadBalancer.deletionProtection, true);
      assert.equal(config.logRetentionDays, 90);
      assert.deepEqual(
        problems({
          ...valid(),
          environment: "production",
          loadBalancer: { testIngressCidrs: ["0.0.0.0/0"] },
        }),
        [
          "greenlight:loadBalancer.testIngressCidrs includes 0.0.0.0/0; in prod the test listener serves unreleased versions and must never be open to anywhere: list your office or VPN ranges.",
        ],
      );
    });

    it("queues pipeline runs and keeps the buckets of a production stack", async () => {
      const run = await runStack({ ...stackFileRaw("prod"), environment: "production" });
      const pipelines = run.ofType("aws:codepipeline/pipeline:Pipeline");
      assert.ok(pipelines.length > 0);
      for (const p of pipelines) assert.equal(p.inputs.executionMode, "QUEUED");
      for (const b of run.ofType("aws:s3/bucket:Bucket"))
        assert.equal(b.inputs.forceDestroy, false);
    });
  });

  describe("limits from AWS quotas", () => {
    const open = { prodIngressCidrs: 1, testIngressCidrs: 0, redirect: false, natGateways: 1 };

    it("holds 25 services on one ALB, 24 with the HTTPS redirect", () => {
      const outside = { ...open, placement: { inVpc: false } as const };
      assert.equal(maxServices(outside), MAX_LISTENERS_PER_ALB / 2);
      assert.equal(maxServices({ ...outside, redirect: true }), 24);
      const raw = { ...valid(), services: services(25) };
      assert.equal(parseConfig(raw).services.length, 25);
      assert.deepEqual(problems({ ...valid(), services: services(26) }), [
        'greenlight:services lists 26 services; they need 52 listeners (a production and a test listener each) and an Application Load Balancer has at most 50 (the default quota), so this stack holds 25: split the services across stacks, or raise the "Listeners per Application Load Balancer" quota first.',
      ]);
    });

    it("counts the security group rules each service and each range adds", () => {
      // dev-like: one production range, one test range, the VPC; the hook outside the VPC.
      const usage = loadBalancerUsage({
        ...open,
        testIngressCidrs: 1,
        placement: { inVpc: false },
      });
      assert.deepEqual(usage.inboundRules, { perService: 3, fixed: 0 });
      // Restricted production ranges: the hook's requests come from each NAT gateway.
      const restricted = {
        ...open,
        prodIngressCidrs: 4,
        testIngressCidrs: 2,
        redirect: true,
        natGateways: 3,
        placement: { inVpc: true, admit: "natAddresses" } as const,
      };
      assert.deepEqual(loadBalancerUsage(restricted).inboundRules, {
        perService: 4 + 2 + 1 + 3,
        fixed: 4,
      });
      assert.equal(maxServices(restricted), 5);
    });

    it("counts exactly the rules the program gives the ALB's security group", async () => {
      const raw = stackFileRaw("prod");
      raw.loadBalancer.prodIngressCidrs = ["203.0.113.0/24", "198.51.100.0/24"];
      const config = parseConfig(raw);
      const run = await runStack(raw);
      // The mocks name a resource's id after it: the ALB's group is `<environment>-alb`.
      const rulesOf = (type: string) =>
        run.ofType(type).filter((r) => r.inputs.securityGroupId === `${config.environment}-alb-id`);
      const usage = loadBalancerUsage({
        prodIngressCidrs: 2,
        testIngressCidrs: config.loadBalancer.testIngressCidrs.length,
        redirect: true,
        natGateways: 3,
        placement: config.liveCheck.placement,
      });
      const n = config.services.length;
      assert.deepEqual(config.liveCheck.placement, { inVpc: true, admit: "natAddresses" });
      assert.equal(
        rulesOf("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length,
        usage.inboundRules.perService * n + usage.inboundRules.fixed,
      );
      assert.equal(
        rulesOf("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").length,
        usage.outboundRules.perService * n,
      );
      assert.equal(
        run.ofType("aws:lb/listener:Listener").length,
        usage.listeners.perService * n + usage.listeners.fixed,
      );
      assert.equal(run.ofType("aws:lb/targetGroup:TargetGroup").length, 2 * n);
    });

    it("rejects more ingress ranges than the ALB's security group takes, saying what to do", () => {
      const raw: Record<string, any> = { ...valid(), services: services(6) };
      raw.loadBalancer = {
        testIngressCidrs: Array.from({ length: 9 }, (_, i) => `198.51.${i}.0/24`),
      };
      assert.deepEqual(problems(raw), [
        "greenlight:services lists 6 services; the load balancer's security group would need 66 inbound rules (11 per service: one per production and test range, the VPC on the test port) and a security group has at most 60 (the default quota), so this stack holds 5: list fewer ingress ranges (a VPN or office range instead of many addresses), or split the services across stacks.",
      ]);
      assert.deepEqual(
        limitProblems({ ...open, services: 5, testIngressCidrs: 9, placement: { inVpc: false } }),
        [],
      );
    });
  });

  it("places the live hook where it reaches the production listener", () => {
    const network = resolveNetwork({ cidr: "10.0.0.0/16", natGateways: "single" });
    const lb = { internal: false, prodIngressCidrs: ["0.0.0.0/0"] };
    assert.deepEqual(hookPlacement({ network, loadBalancer: lb } as any).placement, {
      inVpc: false,
    });
    assert.deepEqual(
      hookPlacement({
        network,
        loadBalancer: { ...lb, prodIngressCidrs: ["203.0.113.0/24"] },
      } as any).placement,
      { inVpc: true, admit: "natAddresses" },
    );
    assert.deepEqual(
      hookPlacement({ network, loadBalancer: { ...lb, internal: true } } as any).placement,
      {
        inVpc: true,
        admit: "hookSecurityGroup",
      },
    );
  });
  describe("under the Pulumi runner", () => {
    /**
     * What @pulumi/pulumi's cmd/run does with an error the program throws (run.js, its uncaught
     * handler; index.js, its exit code): a RunError's message alone, anything else as "failed
     * with an unhandled exception" and its stack. No engine here, so log.error prints to stderr.
     */
    const RUNNER = `
      const { RunError } = require("@pulumi/pulumi/errors");
      const log = require("@pulumi/pulumi/log");
      const { defaultErrorMessage } = require("@pulumi/pulumi/cmd/run/error");
      const reported = new Set();
      const handler = (err) => {
        if (reported.has(err)) return;
        if (RunError.isInstance(err)) log.error(err.message);
        else log.error("Running program 'index.ts' failed with an unhandled exception:\\n" + defaultErrorMessage(err));
        reported.add(err);
        process.exitCode = 32;
      };
      process.on("uncaughtException", handler);
      process.on("unhandledRejection", handler);
      Promise.resolve().then(() => require(process.env.PROGRAM));
    `;

    function runProgram(
      config: Record<string, string>,
    ): Promise<{ code: number | null; stdout: string; stderr: string }> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-runner-"));
      const script = path.join(dir, "runner.js");
      fs.writeFileSync(script, RUNNER);
      return new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["-r", require.resolve("ts-node/register/transpile-only"), script],
          {
            cwd: REPO_ROOT,
            env: {
              PATH: process.env.PATH ?? "",
              NODE_PATH: path.join(REPO_ROOT, "node_modules"),
              PROGRAM: path.join(REPO_ROOT, "index.ts"),
              PULUMI_CONFIG: JSON.stringify(config),
              PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["greenlight:slackWebhookUrl"]),
            },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve({ code, stdout, stderr });
        });
      });
    }

    it("makes ConfigError a RunError, which the runner prints without a stack", () => {
      assert.ok(pulumi.RunError.isInstance(new ConfigError(["x"])));
    });

    it("prints every problem once, without a stack trace or the secret, and fails", async () => {
      const raw = withService({ cpu: 300, cpus: 1 });
      const config = {
        ...toEngineConfig(raw),
        "greenlight:slackWebhookUrl": `http://hooks.slack.com/services/T/B/${TEST_WEBHOOK_TOKEN}`,
      };
      const { code, stdout, stderr } = await runProgram(config);
      assert.equal(stdout, "");
      assert.equal(code, 32, stderr);
      assert.equal(
        stderr,
        [
          "error: [runtime] Greenlight's stack configuration has 3 problems:",
          "  - greenlight:services[0].cpu is 300; Fargate accepts 256, 512, 1024, 2048, 4096, 8192 or 16384.",
          "  - greenlight:services[0].cpus is not a Greenlight setting; did you mean cpu?",
          "  - greenlight:slackWebhookUrl is not an https:// webhook URL (value not shown: it is a secret); set it with pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/….",
          "",
        ].join("\n"),
      );
      assert.ok(!stderr.includes(TEST_WEBHOOK_TOKEN));
    });
  });
});

describe("deployment.engine: ecs", () => {
  /** The valid config on the ecs engine, with a domain and two services routed by host. */
  function ecs(): Record<string, any> {
    const raw = valid();
    raw.deployment = { engine: "ecs" };
    raw.loadBalancer = { domainName: "shop.example.com" };
    raw.services = [
      { name: "web", sourcePath: "app-sample", containerPort: 8080, hostname: "shop.example.com" },
      {
        name: "orders",
        sourcePath: "services/orders",
        containerPort: 8080,
        pathPattern: "/orders/*",
      },
    ];
    return raw;
  }

  it("defaults to codedeploy and resolves shared ports, priorities and routes on ecs", () => {
    assert.equal(parseConfig(valid()).deployment.engine, "codedeploy");
    const config = parseConfig(ecs());
    assert.deepEqual(
      config.services.map((s) => [s.prodPort, s.testPort, s.rulePriority, s.route]),
      [
        [80, 8443, 10, { hostname: "shop.example.com" }],
        [80, 8443, 20, { pathPattern: "/orders/*" }],
      ],
    );
    const https = ecs();
    https.loadBalancer.certificateArn =
      "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978";
    https.loadBalancer.testPort = 9443;
    https.services[1].rulePriority = 5;
    assert.deepEqual(
      parseConfig(https).services.map((s) => [s.prodPort, s.testPort, s.rulePriority]),
      [
        [443, 9443, 10],
        [443, 9443, 5],
      ],
    );
  });

  it("routes a stack's single service without host or path to every path", () => {
    const raw = valid();
    raw.deployment = { engine: "ecs" };
    assert.deepEqual(parseConfig(raw).services[0].route, { pathPattern: "/*" });
  });

  it("rejects ecs-only keys on codedeploy, naming the engine key", () => {
    const raw = withService({ hostname: "shop.example.com", rulePriority: 3 });
    raw.loadBalancer = { testPort: 9000 };
    assert.deepEqual(problems(raw), [
      "greenlight:services[0].hostname is set, but only greenlight:deployment.engine: ecs routes by listener rules; CodeDeploy gives each service its own listener ports (prodPort, testPort): remove it, or set greenlight:deployment.engine to ecs.",
      "greenlight:services[0].rulePriority is set, but only greenlight:deployment.engine: ecs routes by listener rules; CodeDeploy gives each service its own listener ports (prodPort, testPort): remove it, or set greenlight:deployment.engine to ecs.",
      "greenlight:loadBalancer.testPort is set, but only greenlight:deployment.engine: ecs has one shared test listener; with CodeDeploy each service has its own services[].testPort: remove it, or set greenlight:deployment.engine to ecs.",
    ]);
  });

  it("rejects per-service listener ports on ecs", () => {
    const raw = ecs();
    raw.services[1].prodPort = 8081;
    assert.deepEqual(problems(raw), [
      "greenlight:services[1].prodPort is set, but with greenlight:deployment.engine: ecs every service shares one production and one test listener (greenlight:loadBalancer.testPort sets the test port): remove it and route the service with hostname and/or pathPattern.",
    ]);
  });

  it("rejects a host name outside the domain, and one without a domain", () => {
    const raw = ecs();
    raw.services[0].hostname = "shop.example.org";
    raw.services[1].hostname = "evilshop.example.com";
    assert.deepEqual(problems(raw), [
      'greenlight:services[0].hostname is "shop.example.org", not under greenlight:loadBalancer.domainName "shop.example.com"; use shop.example.com or a name under it (e.g. web.shop.example.com).',
      'greenlight:services[1].hostname is "evilshop.example.com", not under greenlight:loadBalancer.domainName "shop.example.com"; use shop.example.com or a name under it (e.g. orders.shop.example.com).',
    ]);
    const none = ecs();
    delete none.loadBalancer.domainName;
    assert.deepEqual(problems(none), [
      'greenlight:services[0].hostname is "shop.example.com" but greenlight:loadBalancer.domainName is not set; set the stack\'s domain (the name the certificate covers) so host names can be checked against it.',
    ]);
  });

  it("keeps host names to the domain's own name when Greenlight creates its certificate", () => {
    const raw = ecs();
    raw.loadBalancer = { domain: { zone: "example.com", name: "shop.example.com" } };
    raw.services[1].hostname = "orders.shop.example.com";
    assert.deepEqual(problems(raw), [
      'greenlight:services[1].hostname is "orders.shop.example.com"; the certificate and DNS record Greenlight creates for greenlight:loadBalancer.domain cover "shop.example.com" only: use hostname shop.example.com (or pathPattern), or a certificate covering the service names with certificateArn and domainName and your own DNS records.',
    ]);
    delete raw.services[1].hostname;
    const config = parseConfig(raw);
    assert.deepEqual(
      config.services.map((s) => [s.prodPort, s.route]),
      [
        [443, { hostname: "shop.example.com" }],
        [443, { pathPattern: "/orders/*" }],
      ],
    );
  });

  it("rejects an unrouted service among several, a shared route and a shared priority", () => {
    const raw = ecs();
    raw.services.push({ name: "admin", sourcePath: "services/admin", containerPort: 8080 });
    raw.services.push({
      name: "api",
      sourcePath: "services/api",
      containerPort: 8080,
      pathPattern: "/orders/*",
      rulePriority: 20,
    });
    assert.deepEqual(problems(raw), [
      "greenlight:services[2] has neither hostname nor pathPattern; with greenlight:deployment.engine: ecs and several services, each needs a route on the shared listener: set hostname (e.g. admin.shop.example.com) and/or pathPattern (e.g. /admin/*).",
      "greenlight:services[3].pathPattern routes the same requests as greenlight:services[1] (host any, path /orders/*); give each service its own hostname or pathPattern.",
      "greenlight:services[3].rulePriority is 20, the same as greenlight:services[1]'s; listener rule priorities must be unique: set a different rulePriority.",
    ]);
  });

  it("rejects a priority out of range, a bad path and a test port on production's", () => {
    const raw = ecs();
    raw.services[0].rulePriority = 50001;
    raw.services[1].pathPattern = "orders/*";
    raw.loadBalancer.testPort = 80;
    assert.deepEqual(problems(raw), [
      "greenlight:services[0].rulePriority is 50001; listener rule priorities go from 1 to 50000: use a value from 1 to 50000.",
      `greenlight:services[1].pathPattern is "orders/*"; use a path starting with / such as /api/*, at most 128 characters (letters, digits, _ - . $ / ~ " ' @ : + & and the wildcards * ?).`,
    ]);
    delete raw.services[0].rulePriority;
    raw.services[1].pathPattern = "/orders/*";
    assert.deepEqual(problems(raw), [
      "greenlight:loadBalancer.testPort is 80, the production listener's port; choose another port for the test listener (default 8443).",
    ]);
  });

  it("rejects traffic shifting and bake times Amazon ECS does not take", () => {
    const raw = ecs();
    raw.deployment = {
      engine: "ecs",
      trafficShifting: { type: "Linear", percent: 2, intervalMinutes: 1441 },
      terminationWaitMinutes: 2000,
    };
    assert.deepEqual(problems(raw), [
      "greenlight:deployment.trafficShifting.percent is 2; Amazon ECS linear deployments move 3 to 100 percent a step: use 3 or more.",
      "greenlight:deployment.trafficShifting.intervalMinutes is 1441; an Amazon ECS step bake time is at most 1440 minutes (one day): use 1440 or less.",
      "greenlight:deployment.terminationWaitMinutes is 2000; it is the Amazon ECS bake time, at most 1440 minutes (one day) with greenlight:deployment.engine: ecs: use 1440 or less.",
    ]);
  });

  it("rejects a live check whose answers in a row cannot fit in one ECS hook invocation", () => {
    const raw = ecs();
    raw.liveCheck = { consecutive: 100, intervalMs: 2000 };
    assert.deepEqual(problems(raw), [
      "greenlight:liveCheck.consecutive is 100 with greenlight:liveCheck.intervalMs 2000: 200 s of answers in a row, but with greenlight:deployment.engine: ecs one hook invocation checks for at most 120 s and the streak starts over in the next; lower consecutive or intervalMs so that consecutive × intervalMs stays under 120 s.",
    ]);
    raw.liveCheck = { consecutive: 100, intervalMs: 1000 };
    assert.equal(parseConfig(raw).liveCheck.consecutive, 100);
    const codedeploy = valid();
    codedeploy.liveCheck = { consecutive: 100, intervalMs: 2000 };
    assert.equal(parseConfig(codedeploy).liveCheck.intervalMs, 2000);
  });

  it("counts listener rules and target groups, not listeners, on ecs", () => {
    const size = {
      engine: "ecs" as const,
      prodIngressCidrs: 1,
      testIngressCidrs: 1,
      redirect: true,
      placement: { inVpc: false } as const,
      natGateways: 1,
    };
    assert.deepEqual(loadBalancerUsage(size).listeners, { perService: 0, fixed: 3 });
    assert.equal(maxServices(size), 50);
    assert.deepEqual(limitProblems({ ...size, services: 51 }), [
      {
        path: ["services"],
        message:
          "lists 51 services; they need 102 target groups (a blue and a green each) and an Application Load Balancer takes at most 100 (a fixed limit), so this stack holds 50: split the services across stacks.",
      },
    ]);
    assert.deepEqual(limitProblems({ ...size, services: 50 }), []);
    assert.deepEqual(
      limitProblems({ ...size, services: 1, prodIngressCidrs: 30, testIngressCidrs: 1 }).map(
        (p) => p.path,
      ),
      [["loadBalancer", "prodIngressCidrs"]],
    );
  });
});
