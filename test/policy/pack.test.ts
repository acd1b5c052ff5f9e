import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import { parse } from "yaml";
import { policies, PACK_NAME } from "../../policy/pack";
import { TYPES } from "../../policy/lib/types";
import { TAGGABLE_TYPES } from "../../policy/policies/tags";
import { REPO_ROOT, runStack, stackFileRaw, stackRun, STACKS, type StackName } from "../harness";
import { fromRun, messages, validate, withEdit, type FakeResource, type Violation } from "./fakes";
import { asPreview, programResources } from "./program";

const POLICY_DIR = path.join(REPO_ROOT, "policy");

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

function show(violations: readonly Violation[]): string {
  return violations.map((v) => `[${v.policy}] ${v.message}`).join("\n");
}

describe("the Greenlight policy pack", function () {
  this.timeout(60_000);

  describe("its shape", () => {
    it("has uniquely named policies, each saying why and how strictly", () => {
      const names = policies.map((p) => p.name);
      assert.equal(new Set(names).size, names.length, `duplicate names in ${names.join(", ")}`);
      for (const p of policies) {
        assert.match(p.name, /^greenlight-[a-z0-9-]+$/, p.name);
        assert.ok(p.description.length > 60, `${p.name}: a description that says why`);
        assert.ok(
          p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory",
          `${p.name}: ${String(p.enforcementLevel)}`,
        );
      }
      assert.equal(PACK_NAME, "greenlight");
      assert.ok(policies.length >= 15, `${policies.length} policies`);
    });

    it("leaves tagging advisory and makes every integrity and security rule mandatory", () => {
      const advisory = policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name);
      assert.deepEqual(advisory, ["greenlight-required-tags"]);
    });

    it("constructs the PolicyPack in policy/index.ts only (constructing it starts a server)", () => {
      const constructing = sources(POLICY_DIR)
        .filter((f) => /new\s+PolicyPack\s*\(/.test(fs.readFileSync(f, "utf8")))
        .map((f) => path.relative(POLICY_DIR, f));
      assert.deepEqual(constructing, ["index.ts"]);
    });

    it("pins its dependencies and describes itself for the Pulumi CLI", () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")) as {
        name: string;
        version: string;
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      const root = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
      };
      assert.equal(pkg.name, "greenlight-policy");
      assert.ok(pkg.version, "PolicyPack reads the version from package.json");
      assert.deepEqual(pkg.dependencies, {
        "@pulumi/aws": "7.48.0",
        "@pulumi/policy": "1.21.0",
        "@pulumi/pulumi": "3.270.0",
      });
      const rootVersions = { ...root.dependencies, ...root.devDependencies };
      for (const [name, version] of Object.entries({
        ...pkg.dependencies,
        ...pkg.devDependencies,
      })) {
        assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned`);
        assert.equal(version, rootVersions[name], `${name}: the same version as the program's`);
      }
      const manifest = parse(
        fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"),
      ) as {
        runtime: string;
        description: string;
      };
      assert.equal(manifest.runtime, "nodejs");
      assert.ok(manifest.description.length > 20);
    });

    it("names resource types by the tokens @pulumi/aws registers", () => {
      const classes: Record<string, unknown> = {
        ecsService: aws.ecs.Service,
        taskDefinition: aws.ecs.TaskDefinition,
        deploymentGroup: aws.codedeploy.DeploymentGroup,
        targetGroup: aws.lb.TargetGroup,
        listener: aws.lb.Listener,
        listenerRule: aws.lb.ListenerRule,
        loadBalancer: aws.lb.LoadBalancer,
        appAutoscalingTarget: aws.appautoscaling.Target,
        securityGroup: aws.ec2.SecurityGroup,
        securityGroupRule: aws.ec2.SecurityGroupRule,
        ingressRule: aws.vpc.SecurityGroupIngressRule,
        bucket: aws.s3.Bucket,
        bucketV2: aws.s3.BucketV2,
        bucketEncryption: aws.s3.BucketServerSideEncryptionConfiguration,
        bucketEncryptionV2: aws.s3.BucketServerSideEncryptionConfigurationV2,
        bucketPublicAccessBlock: aws.s3.BucketPublicAccessBlock,
        ecrRepository: aws.ecr.Repository,
        rolePolicy: aws.iam.RolePolicy,
        policy: aws.iam.Policy,
        userPolicy: aws.iam.UserPolicy,
        groupPolicy: aws.iam.GroupPolicy,
        role: aws.iam.Role,
        rolePolicyAttachment: aws.iam.RolePolicyAttachment,
        rolePolicyAttachmentsExclusive: aws.iam.RolePolicyAttachmentsExclusive,
        policyAttachment: aws.iam.PolicyAttachment,
        userPolicyAttachment: aws.iam.UserPolicyAttachment,
        groupPolicyAttachment: aws.iam.GroupPolicyAttachment,
        lambdaFunction: aws.lambda.Function,
        codebuildProject: aws.codebuild.Project,
        codepipeline: aws.codepipeline.Pipeline,
        logGroup: aws.cloudwatch.LogGroup,
      };
      assert.deepEqual(Object.keys(classes).sort(), Object.keys(TYPES).sort());
      for (const [key, token] of Object.entries(TYPES)) {
        assert.equal((classes[key] as { __pulumiType: string }).__pulumiType, token, key);
      }
    });
  });

  describe("against the program, as it builds each stack under mocks", () => {
    const runs = new Map<StackName, FakeResource[]>();
    before(async () => {
      for (const stack of STACKS) runs.set(stack, await programResources(stack));
    });
    const resources = (stack: StackName) => runs.get(stack)!;

    for (const stack of STACKS) {
      it(`finds no violation in the ${stack} stack`, async () => {
        const violations = await validate(policies, resources(stack));
        assert.deepEqual(violations, [], show(violations));
      });

      it(`finds no violation, and throws nothing, in a preview of the ${stack} stack`, async () => {
        const violations = await validate(policies, asPreview(resources(stack)));
        assert.deepEqual(violations, [], show(violations));
      });
    }

    /** Program variants: how to edit the dev stack file, and resources the edit must bring. */
    const variants: Record<
      string,
      { edit: (raw: Record<string, unknown>) => void; brings: readonly string[] }
    > = {
      "custom traffic shifting, HTTPS and three services": {
        brings: ["a-traffic", "dev-redirect", "c-service"],
        edit: (raw) => {
          raw.deployment = { trafficShifting: { type: "Linear", percent: 20, intervalMinutes: 2 } };
          raw.loadBalancer = {
            ...(raw.loadBalancer as object),
            certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
            domainName: "shop.example.com",
          };
          raw.services = ["a", "b", "c"].map((name, i) => ({
            name,
            sourcePath: `services/${name}`,
            containerPort: 8080,
            prodPort: 8000 + i,
            testPort: 9000 + i,
          }));
        },
      },
      "a Slack webhook (in Secrets Manager) and an internal ALB (the hook in the VPC)": {
        brings: ["dev-slack", "dev-hook", "dev-alb-from-hook-80"],
        edit: (raw) => {
          raw.slackWebhookUrl = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";
          raw.loadBalancer = { ...(raw.loadBalancer as object), internal: true };
        },
      },
      "production open to given ranges only (the hook admitted by NAT address)": {
        brings: ["dev-slack", "dev-alb-from-nat-0-80"],
        edit: (raw) => {
          raw.slackWebhookUrl = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";
          raw.loadBalancer = {
            ...(raw.loadBalancer as object),
            prodIngressCidrs: ["203.0.113.0/24"],
          };
        },
      },
    };
    for (const [variant, { edit, brings }] of Object.entries(variants)) {
      it(`finds no violation with ${variant}`, async () => {
        const raw = stackFileRaw("dev");
        edit(raw);
        const resources = fromRun((await runStack(raw)).resources);
        const names = new Set(resources.map((r) => r.name));
        for (const name of brings) assert.ok(names.has(name), `the variant creates ${name}`);
        const violations = await validate(policies, resources);
        assert.deepEqual(violations, [], show(violations));
        const preview = await validate(policies, asPreview(resources));
        assert.deepEqual(preview, [], show(preview));
      });
    }

    it("fails a task role granted a wildcard action or a named action on every resource", async () => {
      const dev = fromRun((await stackRun("dev")).resources);
      const grant = (statement: Record<string, unknown>) =>
        withEdit(dev, TYPES.rolePolicy, "web-task", (p) => {
          const doc = JSON.parse(p.policy as string);
          doc.Statement.push(statement);
          p.policy = JSON.stringify(doc);
        });
      const wildcard = await validate(
        policies,
        grant({
          Sid: "Data",
          Effect: "Allow",
          Action: ["dynamodb:*"],
          Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        }),
      );
      assert.deepEqual(
        wildcard.map((v) => v.policy),
        ["greenlight-iam-least-privilege"],
      );
      assert.match(wildcard[0].message, /web-task.*statement Data allows "dynamodb:\*"/);
      const anyResource = await validate(
        policies,
        grant({ Sid: "Bucket", Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }),
      );
      assert.deepEqual(
        anyResource.map((v) => v.policy),
        ["greenlight-iam-least-privilege"],
      );
      assert.match(anyResource[0].message, /s3:GetObject on resource "\*"/);
    });

    it("tags every type the program creates that accepts tags (the list keeps up with @pulumi/aws)", () => {
      const created = new Set(
        [...runs.values()]
          .flat()
          .map((r) => r.type)
          .filter((t) => t.startsWith("aws:")),
      );
      for (const type of created) {
        const [, module, cls] = /^aws:([a-z0-9]+)\/[a-zA-Z0-9]+:([A-Za-z0-9]+)$/.exec(type) ?? [];
        const file = path.join(
          REPO_ROOT,
          "node_modules/@pulumi/aws",
          module,
          `${type.split("/")[1].split(":")[0]}.d.ts`,
        );
        const source = fs.readFileSync(file, "utf8");
        const args = new RegExp(`export interface ${cls}Args \\{([\\s\\S]*?)\\n\\}`).exec(source);
        const taggable = args !== null && /\n {4}tags\?:/.test(args[1]);
        assert.equal(TAGGABLE_TYPES.includes(type), taggable, `${type} accepts tags: ${taggable}`);
      }
    });

    describe("catches a broken program", () => {
      const run = async (edited: FakeResource[], policy: string) =>
        (await validate(policies, edited)).filter((v) => v.policy === policy);

      it("an ECS service put back under the ECS controller", async () => {
        const edited = withEdit(resources("dev"), TYPES.ecsService, "web-service", (p) => {
          p.deploymentController = { type: "ECS" };
        });
        const all = await validate(policies, edited);
        assert.deepEqual(
          all.map((v) => v.policy),
          ["greenlight-service-codedeploy-controller"],
          show(all),
        );
        assert.match(
          all[0].message,
          /Service "web-service" \(service name "web"\) is deployed by DeploymentGroup "web-group" but its deploymentController.type is "ECS"/,
        );
        assert.match(all[0].urn, /web-service$/);
      });

      it("the internet admitted on a test listener port", async () => {
        const edited = withEdit(
          resources("staging"),
          TYPES.ingressRule,
          "web-test-0",
          (p) => (p.cidrIpv4 = "0.0.0.0/0"),
        );
        const found = await run(edited, "greenlight-no-public-ingress");
        assert.deepEqual(messages(found), [
          'SecurityGroupIngressRule "web-test-0" admits 0.0.0.0/0 on port 8080, which is not a ' +
            "production listener port. Admit the internet only on a production listener port " +
            "(80, 8081); give other ports specific CIDR ranges or a source security group.",
        ]);
      });

      it("a log group without retention, in preview as well", async () => {
        const edited = withEdit(
          resources("prod"),
          "aws:cloudwatch/logGroup:LogGroup",
          "web-logs",
          (p) => delete p.retentionInDays,
        );
        for (const view of [edited, asPreview(edited)]) {
          const found = await run(view, "greenlight-log-retention");
          assert.equal(found.length, 1, show(found));
          assert.match(
            found[0].message,
            /^LogGroup "web-logs" \(\/greenlight\/prod\/web\) has no retention/,
          );
        }
      });

      it("a listener CodeDeploy switches that Pulumi would switch back", async () => {
        const edited = resources("prod").map((r) =>
          r.type === TYPES.listener && r.name === "orders-test" ? { ...r, ignoreChanges: [] } : r,
        );
        const found = await run(edited, "greenlight-codedeploy-owned-fields-ignored");
        assert.deepEqual(messages(found), [
          'Listener "orders-test" is switched by CodeDeploy but does not ignore defaultActions. ' +
            'Add ignoreChanges: ["defaultActions"] to its resource options, or the next ' +
            "`pulumi up` points it back at the old target group.",
        ]);
      });
    });
  });
});
