import { strict as assert } from "assert";
import {
  ConfigError,
  parseConfig,
  predefinedShifting,
  type GreenlightConfig,
  type RawConfig,
} from "../components/config";
import { STACKS, runStack, stackFileRaw } from "./harness";

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
    assert.ok(prod.loadBalancer.certificateArn);
    assert.equal(dev.loadBalancer.certificateArn, undefined);
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
});
