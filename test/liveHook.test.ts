import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ConfigError, loadConfig, parseConfig, slackWebhookProblem } from "../components/config";
import { LAMBDA_RUNTIME, lambdaArchive } from "../components/lambda";
import { AFTER_ALLOW_TRAFFIC_ENTRY } from "../hooks/bundle";
import { HookDefaults, HookEnv, minimumLambdaTimeoutSeconds } from "../hooks/codedeploy/settings";
import {
  runStack,
  stackFileRaw,
  STACKS,
  TEST_WEBHOOK_TOKEN,
  TEST_WEBHOOK_URL,
  toEngineConfig,
  useStackRuns,
  value,
  type Run,
} from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded mock inputs are untyped */

const WEBHOOK = TEST_WEBHOOK_URL;

const T = {
  fn: "aws:lambda/function:Function",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  eip: "aws:ec2/eip:Eip",
  project: "aws:codebuild/project:Project",
};

function withWebhook(stack: (typeof STACKS)[number]): Record<string, any> {
  return { ...stackFileRaw(stack), slackWebhookUrl: WEBHOOK };
}

function statements(run: Run, name: string): any[] {
  return JSON.parse(run.named(T.rolePolicy, name).inputs.policy).Statement;
}

describe("the live hook in the program", function () {
  this.timeout(60_000);
  const run = useStackRuns({ withWebhook: true });

  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      it("runs the bundled hook on a current Node.js runtime with time to probe and report", () => {
        const fn = run(stack).named(T.fn, `${stack}-hook`);
        const c = parseConfig(stackFileRaw(stack)).liveCheck;
        assert.equal(fn.inputs.runtime, LAMBDA_RUNTIME);
        assert.equal(fn.inputs.runtime, "nodejs24.x");
        assert.equal(fn.inputs.handler, "index.handler");
        assert.equal(fn.inputs.name, `greenlight-${stack}-live-hook`);
        const expected = minimumLambdaTimeoutSeconds({
          probe: {
            consecutive: c.consecutive,
            intervalMs: c.intervalMs,
            timeoutMs: c.timeoutMs,
            deadlineMs: c.deadlineSeconds * 1000,
          },
          reportReserveMs: HookDefaults.reportReserveMs,
        });
        assert.equal(fn.inputs.timeout, expected);
        assert.ok(fn.inputs.timeout <= 900);
        assert.equal(fn.inputs.loggingConfig.logGroup, `/aws/lambda/greenlight-${stack}-live-hook`);
      });

      it("keeps the webhook in Secrets Manager: only its ARN is in the environment", () => {
        const fn = run(stack).named(T.fn, `${stack}-hook`);
        const [secret] = run(stack).ofType(T.secret);
        const { liveCheck: c, loadBalancer } = parseConfig(stackFileRaw(stack));
        assert.deepEqual(fn.inputs.environment.variables, {
          ...(loadBalancer.domainName ? { [HookEnv.probeHost]: loadBalancer.domainName } : {}),
          [HookEnv.environment]: stack,
          [HookEnv.probeConsecutive]: String(c.consecutive),
          [HookEnv.probeIntervalMs]: String(c.intervalMs),
          [HookEnv.probeTimeoutMs]: String(c.timeoutMs),
          [HookEnv.probeDeadlineMs]: String(c.deadlineSeconds * 1000),
          [HookEnv.reportReserveMs]: "30000",
          [HookEnv.application]: run(stack).ofType("aws:codedeploy/application:Application")[0]
            .state.name,
          [HookEnv.deploymentGroups]: parseConfig(stackFileRaw(stack))
            .services.map((svc) => svc.name)
            .join(","),
          [HookEnv.slackSecretArn]: secret.state.arn,
        });
        // The value reaches only the secret version, and as a Pulumi secret.
        const holders = run(stack).resources.filter((r) =>
          JSON.stringify(r.inputs).includes(TEST_WEBHOOK_TOKEN),
        );
        assert.deepEqual(
          holders.map((r) => r.type),
          [T.secretVersion],
        );
        const secretString = holders[0].inputs.secretString;
        assert.equal(
          secretString["4dabf18193072939515e22adb298388d"],
          "1b47061264138c4ac30d75fd1eb44270",
        );
      });

      it("never exports the webhook", async () => {
        const outputs = await value(pulumi.output(run(stack).outputs as any));
        assert.ok(!JSON.stringify(outputs).includes(TEST_WEBHOOK_TOKEN));
      });

      it("allows the hook exactly the calls it makes, on this stack's deployments and secret", () => {
        const app = run(stack).ofType("aws:codedeploy/application:Application")[0].state.name;
        const [secret] = run(stack).ofType(T.secret);
        const bySid = Object.fromEntries(
          statements(run(stack), `${stack}-hook`).map((st) => [st.Sid, st]),
        );
        assert.deepEqual(Object.keys(bySid).sort(), [
          "AnswerDeployments",
          "Logs",
          "ReadDeployments",
          "ReadTaskDefinitionsAndTargets",
          "RecordReleases",
          "SlackWebhook",
        ]);
        assert.deepEqual(bySid.ReadDeployments.Action, [
          "codedeploy:GetDeployment",
          "codedeploy:GetDeploymentGroup",
        ]);
        assert.equal(
          bySid.ReadDeployments.Resource,
          `arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:${app}/*`,
        );
        // No resource type in the Service Authorization Reference: "*" works under both readings.
        assert.deepEqual(bySid.AnswerDeployments.Action, [
          "codedeploy:PutLifecycleEventHookExecutionStatus",
          "codedeploy:ListDeploymentTargets",
          "codedeploy:BatchGetDeploymentTargets",
        ]);
        assert.equal(bySid.AnswerDeployments.Resource, "*");
        assert.deepEqual(bySid.SlackWebhook, {
          Sid: "SlackWebhook",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: secret.state.arn,
        });
        assert.equal(bySid.ReadTaskDefinitionsAndTargets.Resource, "*");
        assert.deepEqual(bySid.RecordReleases.Action, ["ssm:PutParameter"]);
        assert.deepEqual(
          bySid.RecordReleases.Resource,
          parseConfig(stackFileRaw(stack)).services.map(
            (svc) =>
              `arn:aws:ssm:eu-west-1:123456789012:parameter/greenlight/${stack}/${svc.name}/live`,
          ),
        );
      });

      it("names the hook at AfterAllowTraffic in every service's appspec.yaml, and lets CodeDeploy invoke it", () => {
        const fn = run(stack).named(T.fn, `${stack}-hook`);
        for (const s of parseConfig(stackFileRaw(stack)).services) {
          const spec = parse(
            run(stack).named(T.project, `${s.name}-build`).inputs.source.buildspec,
          );
          const appspecCommand: string = spec.phases.pre_build.commands[1];
          const appspec = parse(
            appspecCommand.slice(
              appspecCommand.indexOf("\n") + 1,
              appspecCommand.lastIndexOf("\nGREENLIGHT_EOF"),
            ),
          );
          assert.deepEqual(appspec.Hooks, [{ AfterAllowTraffic: fn.state.name }]);
          const invoke = statements(run(stack), `${s.name}-codedeploy`).find(
            (st) => st.Sid === "InvokeHooks",
          );
          assert.deepEqual(invoke.Action, ["lambda:InvokeFunction"]);
          assert.deepEqual(invoke.Resource, [fn.state.arn]);
        }
      });

      it("runs outside the VPC, as the ALB is internet-facing and production is open", () => {
        const fn = run(stack).named(T.fn, `${stack}-hook`);
        assert.equal(fn.inputs.vpcConfig, undefined);
        assert.ok(
          !statements(run(stack), `${stack}-hook`).some((st) => st.Sid === "VpcNetworkInterfaces"),
        );
      });
    });
  }

  it("bundles hooks/ into an index.js that exports the handler", async () => {
    const archive = await value(lambdaArchive(AFTER_ALLOW_TRAFFIC_ENTRY));
    const assets = (await archive.assets) as Record<string, pulumi.asset.StringAsset>;
    assert.deepEqual(Object.keys(assets), ["index.js"]);
    const code = (await assets["index.js"].text)!;
    assert.ok(code.length < 150 * 1024, `bundle is ${code.length} bytes`);
    const module = { exports: {} as Record<string, unknown> };
    // The SDK is left to the runtime: hand the bundle a require that finds it here.
    new Function("module", "exports", "require", code)(module, module.exports, require);
    assert.equal(typeof module.exports.handler, "function");
  });

  it("skips Slack when no webhook is configured: no secret, no secret ARN", async () => {
    const r = await runStack(stackFileRaw("dev"), "dev");
    assert.equal(r.ofType(T.secret).length, 0);
    assert.equal(
      r.named(T.fn, "dev-hook").inputs.environment.variables[HookEnv.slackSecretArn],
      undefined,
    );
  });

  it("probes the configured domain, and outputs URLs on it", async () => {
    const raw = withWebhook("prod");
    // A certificate managed elsewhere, with the name it covers (prod as shipped uses domain).
    raw.loadBalancer = {
      ...raw.loadBalancer,
      domain: undefined,
      certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c",
      domainName: "shop.example.com",
    };
    const r = await runStack(raw, "prod");
    assert.equal(
      r.ofType(T.fn)[0].inputs.environment.variables[HookEnv.probeHost],
      "shop.example.com",
    );
    assert.equal(await value(r.outputs.services.web.prodUrl), "https://shop.example.com");
    assert.equal(await value(r.outputs.services.orders.prodUrl), "https://shop.example.com:8081");
  });

  it("runs in the VPC behind an internal ALB, which admits the hook's security group on production ports", async () => {
    const raw = withWebhook("staging");
    raw.loadBalancer = { ...raw.loadBalancer, internal: true };
    const r = await runStack(raw, "staging");
    const fn = r.named(T.fn, "staging-hook");
    const hookSg = r.named(T.sg, "staging-hook");
    assert.deepEqual(fn.inputs.vpcConfig.securityGroupIds, [`${hookSg.name}-id`]);
    const privateSubnets = r
      .ofType("aws:ec2/subnet:Subnet")
      .filter((s) => s.inputs.tags.tier === "private");
    assert.deepEqual(
      fn.inputs.vpcConfig.subnetIds,
      privateSubnets.map((s) => `${s.name}-id`),
    );
    const albSg = `${r.named(T.sg, "staging-alb").name}-id`;
    const fromHook = r
      .ofType(T.ingress)
      .filter((i) => i.inputs.referencedSecurityGroupId === `${hookSg.name}-id`);
    assert.deepEqual(
      fromHook.map((i) => [i.inputs.securityGroupId, i.inputs.fromPort]),
      [
        [albSg, 80],
        [albSg, 8081],
      ],
    );
    assert.ok(statements(r, "staging-hook").some((st) => st.Sid === "VpcNetworkInterfaces"));
  });

  it("runs in the VPC and admits the NAT addresses when production is restricted on an internet-facing ALB", async () => {
    const raw = withWebhook("prod");
    raw.loadBalancer = { ...raw.loadBalancer, prodIngressCidrs: ["203.0.113.0/24"] };
    const r = await runStack(raw, "prod");
    assert.ok(r.named(T.fn, "prod-hook").inputs.vpcConfig);
    const natRules = r.ofType(T.ingress).filter((i) => i.name.startsWith("prod-alb-from-nat-"));
    const eips = r.ofType(T.eip).length;
    assert.equal(natRules.length, eips * 2);
    const natIps = new Set(r.ofType(T.eip).map((e) => `${e.state.publicIp}/32`));
    for (const rule of natRules) {
      assert.match(rule.inputs.cidrIpv4, /^203\.0\.113\.\d+\/32$/);
      assert.ok(natIps.has(rule.inputs.cidrIpv4));
    }
    assert.deepEqual(new Set(natRules.map((rule) => rule.inputs.fromPort)), new Set([443, 8081]));
  });

  describe("rejects, before anything is created,", () => {
    it("a restricted production range the hook could not reach", () => {
      const raw = stackFileRaw("dev");
      raw.network = { ...raw.network, natGateways: "none" };
      raw.loadBalancer = { ...raw.loadBalancer, prodIngressCidrs: ["203.0.113.0/24"] };
      assert.throws(
        () => parseConfig(raw),
        (e: ConfigError) => {
          assert.deepEqual(e.problems, [
            "greenlight:loadBalancer.prodIngressCidrs does not include 0.0.0.0/0, so the live hook cannot reach the production listener from AWS Lambda's public addresses; set greenlight:network.natGateways to single or perAz (the hook then runs in the VPC and the ALB admits the NAT gateways' addresses), or open production to 0.0.0.0/0.",
          ]);
          return true;
        },
      );
    });

    it("an internal ALB without NAT", () => {
      const raw = stackFileRaw("dev");
      raw.network = { ...raw.network, natGateways: "none" };
      raw.loadBalancer = { ...raw.loadBalancer, internal: true };
      assert.throws(
        () => parseConfig(raw),
        /loadBalancer.internal is true and greenlight:network.natGateways is none/,
      );
    });

    it("a webhook that is not an https URL, without repeating it", () => {
      const leaked = "http://hooks.slack.com/services/T0/B0/leakme";
      assert.match(
        slackWebhookProblem(leaked)!,
        /greenlight:slackWebhookUrl is not an https:\/\/ webhook URL/,
      );
      assert.equal(slackWebhookProblem(WEBHOOK), undefined);
      assert.throws(
        () => loadConfig(toEngineConfig({ ...stackFileRaw("dev"), slackWebhookUrl: leaked })),
        (e: Error) => {
          assert.ok(e instanceof ConfigError);
          assert.ok(!e.message.includes("leakme"));
          assert.match(e.message, /value not shown: it is a secret/);
          return true;
        },
      );
    });
  });
});
