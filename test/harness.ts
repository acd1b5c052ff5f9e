/**
 * Runs the Greenlight program in-process under Pulumi's mocks and records every resource it
 * registers: its type, name, inputs and the options that matter (ignoreChanges, dependsOn,
 * parent). Each run sets fresh mocks and config, so one test process can run every stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, NAMESPACE, type RawConfig } from "../components/config";
import { greenlight, type StackOutputs } from "../components/program";
import {
  REPO_ROOT,
  STACKS,
  stackFileConfig,
  stackFileRaw as readStackFileRaw,
  type StackName,
} from "../components/stackFile";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";
/** The hosted zone the mocks resolve a zone name to. */
export const TEST_ZONE_ID = "Z0TESTZONE0000000001";
/** Elastic Load Balancing's hosted zone in eu-west-1 (the alias target zone of an ALB). */
export const ALB_HOSTED_ZONE_ID = "Z32O12XQLNTSW2";
export { REPO_ROOT, STACKS, stackFileConfig, type StackName };

/* eslint-disable @typescript-eslint/no-explicit-any -- mock state is untyped by nature */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly state: Record<string, any>;
  readonly ignoreChanges: readonly string[];
  readonly dependsOn: readonly string[];
  readonly parent?: string;
}

export interface Run {
  readonly resources: Recorded[];
  readonly outputs: StackOutputs;
  /** Resources of one type token, e.g. `aws:ecs/service:Service`. */
  ofType(type: string): Recorded[];
  /** The one resource with this type and name. */
  named(type: string, name: string): Recorded;
}

/** The raw greenlight values of a stack file: a fresh copy each call, for tests that edit it. */
export function stackFileRaw(stack: StackName): Record<string, any> {
  return readStackFileRaw(stack) as Record<string, any>;
}

/**
 * A shipped stack file on the ecs engine, without per-service ports: with `loadBalancer.domain`
 * (whose certificate covers its name only) the first service takes the domain's name and the
 * others a path; otherwise each service gets a host under `<stack>.shop.example.com`.
 */
export function ecsStack(stack: StackName): Record<string, any> {
  const raw = stackFileRaw(stack);
  raw.deployment = { ...raw.deployment, engine: "ecs" };
  const domain: string | undefined = raw.loadBalancer?.domain?.name;
  if (domain === undefined) {
    raw.loadBalancer = { ...raw.loadBalancer, domainName: `${stack}.shop.example.com` };
  }
  raw.services = raw.services.map((s: any, i: number) => {
    const { prodPort: _p, testPort: _t, ...rest } = s;
    if (domain === undefined) return { ...rest, hostname: `${s.name}.${stack}.shop.example.com` };
    return i === 0 ? { ...rest, hostname: domain } : { ...rest, pathPattern: `/${s.name}/*` };
  });
  return raw;
}

/** Engine-style config (`greenlight:key` → string) from raw values. */
export function toEngineConfig(raw: RawConfig): Record<string, string> {
  const out: Record<string, string> = { "aws:region": REGION };
  for (const [key, value] of Object.entries(raw)) {
    out[`${NAMESPACE}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/** Runs the program for a stack file, or for raw greenlight values. */
export async function runStack(stack: StackName | RawConfig, stackName?: string): Promise<Run> {
  const config = typeof stack === "string" ? stackFileConfig(stack) : toEngineConfig(stack);
  const name = typeof stack === "string" ? stack : (stackName ?? "test");
  const resources: Recorded[] = [];
  const options = new Map<
    string,
    { ignoreChanges: string[]; dependsOn: string[]; parent?: string }
  >();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state = mockState(args.type, args.name, args.inputs);
        const opt = options.get(`${args.type}::${args.name}`);
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          state,
          ignoreChanges: opt?.ignoreChanges ?? [],
          dependsOn: opt?.dependsOn ?? [],
          parent: opt?.parent,
        });
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return mockCall(args.token, args.inputs);
      },
    },
    "greenlight",
    name,
    false,
  );
  pulumi.runtime.setAllConfig(config);

  let outputs: StackOutputs | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const dependsOn = ([] as unknown[])
        .concat(args.opts.dependsOn ?? [])
        .map((r) => (r instanceof pulumi.Resource ? resourceName(r) : "?"));
      options.set(`${args.type}::${args.name}`, {
        ignoreChanges: args.opts.ignoreChanges ?? [],
        dependsOn,
        parent: args.opts.parent ? resourceName(args.opts.parent) : undefined,
      });
      return undefined;
    });
    outputs = greenlight(loadConfig());
    return {};
  });
  await settle(outputs);

  return {
    resources,
    outputs: outputs!,
    ofType: (type) => resources.filter((r) => r.type === type),
    named(type, resourceName) {
      const found = resources.filter((r) => r.type === type && r.name === resourceName);
      if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${resourceName}, found ${found.length}`);
      }
      return found[0];
    },
  };
}

/** The Slack webhook the tests set as the secret config; its token must never leave the secret. */
export const TEST_WEBHOOK_TOKEN = "s3cr3tT0k3nV4lu3";
export const TEST_WEBHOOK_URL = `https://hooks.slack.com/services/T0GREEN/B0LIGHT/${TEST_WEBHOOK_TOKEN}`;

export interface StackRunOptions {
  /** Set the secret `slackWebhookUrl` to TEST_WEBHOOK_URL. @default false */
  readonly withWebhook?: boolean;
}

const stackRunCache = new Map<string, Promise<Run>>();
let runQueue: Promise<unknown> = Promise.resolve();

/**
 * A stack file's run, once per test process and shared by every test that asks for it (runs are
 * read-only: assert on them, never edit them). Runs happen one at a time: the mocks are global.
 */
export function stackRun(stack: StackName, options: StackRunOptions = {}): Promise<Run> {
  const key = `${stack}|${options.withWebhook === true}`;
  let run = stackRunCache.get(key);
  if (run === undefined) {
    const config = options.withWebhook
      ? { ...stackFileRaw(stack), slackWebhookUrl: TEST_WEBHOOK_URL }
      : stack;
    run = runQueue.then(() => runStack(config, stack));
    runQueue = run.catch(() => undefined);
    stackRunCache.set(key, run);
  }
  return run;
}

/** In a `describe`: runs every stack file before its tests; returns the run of a stack. */
export function useStackRuns(options: StackRunOptions = {}): (stack: string) => Run {
  const runs = new Map<string, Run>();
  before(async function () {
    this.timeout(120_000);
    for (const stack of STACKS) runs.set(stack, await stackRun(stack, options));
  });
  return (stack) => {
    const run = runs.get(stack);
    if (run === undefined) throw new Error(`no run of stack ${stack}`);
    return run;
  };
}

/** The value inside an output (mocks run with preview=false, so every value is known). */
export function value<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Resolves every output of the stack, so every resource has been registered. */
async function settle(outputs: unknown): Promise<void> {
  await value(pulumi.output(outputs as pulumi.Input<unknown>));
  // Resources nobody reads (route table associations, rules) register on the same queue.
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
  }
}

function resourceName(r: pulumi.Resource): string {
  // The transformation sees the resource before registration: its name is on the internal field.
  return (r as unknown as { __name?: string }).__name ?? "?";
}

const ARN = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;

function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const physical = inputs.name ?? `${name}-0a1b2c3`;
  const base = { ...inputs, name: physical };
  switch (type) {
    case "aws:ec2/vpc:Vpc":
      return { ...base, arn: ARN("ec2", `vpc/${name}`) };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        ...base,
        arn: ARN("elasticloadbalancing", `loadbalancer/app/${physical}/50dc6c495c0c9188`),
        arnSuffix: `app/${physical}/50dc6c495c0c9188`,
        dnsName: `${physical}-1234567890.${REGION}.elb.amazonaws.com`,
        zoneId: ALB_HOSTED_ZONE_ID,
      };
    case "aws:lb/targetGroup:TargetGroup":
      return {
        ...base,
        arn: ARN("elasticloadbalancing", `targetgroup/${physical}/73e2d6bc24d8a067`),
        arnSuffix: `targetgroup/${physical}/73e2d6bc24d8a067`,
      };
    case "aws:lb/listener:Listener":
      return {
        ...base,
        arn: ARN("elasticloadbalancing", `listener/app/alb/50dc6c495c0c9188/${name}`),
      };
    case "aws:ecr/repository:Repository":
      return {
        ...base,
        arn: ARN("ecr", `repository/${physical}`),
        repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${physical}`,
      };
    case "aws:ecs/cluster:Cluster":
      return { ...base, arn: ARN("ecs", `cluster/${physical}`) };
    case "aws:ecs/service:Service":
      return {
        ...base,
        arn: ARN("ecs", `service/${String(inputs.cluster).split("/").pop()}/${physical}`),
      };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return { ...base, arn: ARN("ecs", `task-definition/${inputs.family}:1`) };
    case "aws:codedeploy/deploymentGroup:DeploymentGroup":
      return {
        ...base,
        arn: ARN("codedeploy", `deploymentgroup:${inputs.appName}/${inputs.deploymentGroupName}`),
      };
    case "aws:iam/role:Role":
      return { ...base, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { ...base, arn: ARN("logs", `log-group:${physical}`) };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { ...base, arn: ARN("cloudwatch", `alarm:${physical}`) };
    case "aws:ec2/eip:Eip":
      return {
        ...base,
        publicIp: `203.0.113.${(name.length * 7 + name.charCodeAt(name.length - 1)) % 250}`,
      };
    case "aws:s3/bucket:Bucket":
      return { ...base, bucket: physical, arn: `arn:aws:s3:::${physical}` };
    case "aws:codedeploy/deploymentConfig:DeploymentConfig":
      return { ...base, deploymentConfigName: physical };
    case "aws:acm/certificate:Certificate":
      return {
        ...base,
        arn: ARN("acm", `certificate/${name}`),
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_a79865eb4cd1a6ab990a45779b4e0b96.${inputs.domainName}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: "_424c7224e9b0146f9a8808af955727d0.acm-validations.aws.",
          },
        ],
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { ...base, certificateArn: inputs.certificateArn };
    case "aws:route53/record:Record":
      return { ...base, fqdn: String(inputs.name).replace(/\.$/, "") };
    case "aws:appautoscaling/target:Target":
      return { ...base, arn: ARN("application-autoscaling", `scalable-target/${name}`) };
    default:
      return { ...base, arn: ARN(type.split(":")[1].split("/")[0], `${name}`) };
  }
}

function mockCall(token: string, inputs: Record<string, any>): Record<string, any> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { name: REGION, region: REGION, id: REGION };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "AIDTEST" };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
        zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
      };
    case "aws:ec2/getVpc:getVpc":
      return { id: inputs.id, cidrBlock: "10.99.0.0/16" };
    case "aws:route53/getZone:getZone":
      return {
        zoneId: inputs.zoneId ?? TEST_ZONE_ID,
        name: inputs.name ?? "example.com",
        privateZone: false,
      };
    default:
      return inputs;
  }
}
