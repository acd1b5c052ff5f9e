import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ECSClient, type Service } from "@aws-sdk/client-ecs";
import {
  AccessDeniedException,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ParameterNotFound,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import type { ReleaseRecord, StackIndex } from "../../hooks/core/release";
import { main } from "../../tools/status";
import type { StatusClients } from "../../tools/status/collect";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const NOW = Date.parse("2026-11-22T12:00:00Z");
const td = (family: string, revision: number): string =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/greenlight-dev-${family}:${revision}`;

const INDEX: StackIndex = {
  environment: "dev",
  region: REGION,
  cluster: "greenlight-dev",
  application: "greenlight-dev",
  services: Object.fromEntries(
    ["checkout", "payments", "search", "admin"].map((name) => [
      name,
      {
        ecsService: name,
        deploymentGroup: `greenlight-dev-${name}`,
        pipeline: `greenlight-dev-${name}`,
        logGroup: `/greenlight/dev/${name}`,
        prodUrl: `http://greenlight-dev-123.${REGION}.elb.amazonaws.com:8080`,
      },
    ]),
  ),
};

function record(service: string, version: string, revision: number, at: string): ReleaseRecord {
  return {
    environment: "dev",
    service,
    version,
    imageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/greenlight-dev-${service}@sha256:${"0".repeat(64)}`,
    commit: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
    ref: "development",
    refType: "branch",
    commitMessage: `Ship ${service} ${version}`,
    author: "Ada Lovelace",
    deployedAt: at,
    deploymentId: `d-${service.toUpperCase()}01`,
    taskDefinitionArn: td(service, revision),
    application: "greenlight-dev",
    deploymentGroup: `greenlight-dev-${service}`,
    durationMs: 300_000,
  };
}

/** A CODE_DEPLOY service whose PRIMARY task set runs `revision`. */
function blueGreenService(name: string, revision: number, running = 2, desired = 2): Service {
  return {
    serviceName: name,
    status: "ACTIVE",
    deploymentController: { type: "CODE_DEPLOY" },
    desiredCount: desired,
    runningCount: running,
    pendingCount: 0,
    taskDefinition: td(name, 1),
    taskSets: [
      {
        id: `ecs-svc/${revision}000`,
        status: "PRIMARY",
        taskDefinition: td(name, revision),
        computedDesiredCount: desired,
        runningCount: running,
      },
    ],
  };
}

interface Fixture {
  readonly clients: StatusClients;
  readonly ssm: AwsClientStub<SSMClient>;
  readonly codeDeploy: AwsClientStub<CodeDeployClient>;
  readonly ecs: AwsClientStub<ECSClient>;
  readonly regions: (string | undefined)[];
}

function notFound(): ParameterNotFound {
  return new ParameterNotFound({ message: "ParameterNotFound", $metadata: {} });
}

/**
 * checkout: live (record matches ECS). payments: deploying (AllowTraffic). search: drift (ECS runs
 * revision 9, the record says 8). admin: no record.
 */
function fixture(): Fixture {
  const clients = {
    ssm: new SSMClient({ region: REGION }),
    codeDeploy: new CodeDeployClient({ region: REGION }),
    ecs: new ECSClient({ region: REGION }),
  };
  const ssm = mockClient(clients.ssm);
  const codeDeploy = mockClient(clients.codeDeploy);
  const ecs = mockClient(clients.ecs);
  ssm.on(GetParameterCommand).rejects(notFound());
  ssm
    .on(GetParameterCommand, { Name: "/greenlight/dev/stack" })
    .resolves({ Parameter: { Value: JSON.stringify(INDEX), Version: 3 } });
  for (const [service, version, revision, at] of [
    ["checkout", "v1.4.3", 12, "2026-11-22T09:00:00.000Z"],
    ["payments", "9f8e7d6", 30, "2026-11-21T12:00:00.000Z"],
    ["search", "v2.0.0", 8, "2026-11-19T11:30:00.000Z"],
  ] as const) {
    ssm.on(GetParameterCommand, { Name: `/greenlight/dev/${service}/live` }).resolves({
      Parameter: { Value: JSON.stringify(record(service, version, revision, at)), Version: 4 },
    });
  }
  codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codeDeploy
    .on(ListDeploymentsCommand, { deploymentGroupName: "greenlight-dev-payments" })
    .resolves({ deployments: ["d-PAYMENTS02"] });
  codeDeploy.on(GetDeploymentCommand, { deploymentId: "d-PAYMENTS02" }).resolves({
    deploymentInfo: {
      deploymentId: "d-PAYMENTS02",
      status: "InProgress",
      createTime: new Date("2026-11-22T11:55:00Z"),
      revision: {
        revisionType: "AppSpecContent",
        appSpecContent: {
          content: `version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: "${td("payments", 31)}"\n`,
        },
      },
    },
  });
  codeDeploy
    .on(ListDeploymentTargetsCommand, { deploymentId: "d-PAYMENTS02" })
    .resolves({ targetIds: ["greenlight-dev:payments"] });
  codeDeploy.on(GetDeploymentTargetCommand).resolves({
    deploymentTarget: {
      deploymentTargetType: "ECSTarget",
      ecsTarget: {
        lifecycleEvents: [
          { lifecycleEventName: "BeforeInstall", status: "Succeeded" },
          { lifecycleEventName: "Install", status: "Succeeded" },
          { lifecycleEventName: "AfterInstall", status: "Succeeded" },
          { lifecycleEventName: "BeforeAllowTraffic", status: "Succeeded" },
          { lifecycleEventName: "AllowTraffic", status: "InProgress" },
          { lifecycleEventName: "AfterAllowTraffic", status: "Pending" },
        ],
      },
    },
  });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      blueGreenService("checkout", 12),
      {
        ...blueGreenService("payments", 30),
        taskSets: [
          ...(blueGreenService("payments", 30).taskSets ?? []),
          {
            id: "ecs-svc/31000",
            status: "ACTIVE",
            taskDefinition: td("payments", 31),
            computedDesiredCount: 2,
            runningCount: 2,
          },
        ],
      },
      blueGreenService("search", 9, 1, 2),
      blueGreenService("admin", 3),
    ],
  });
  const regions: (string | undefined)[] = [];
  return { clients, ssm, codeDeploy, ecs, regions };
}

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: string[], f: Fixture = fixture()): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    clients: (region) => {
      f.regions.push(region);
      return f.clients;
    },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

describe("tools/status", () => {
  it("prints an aligned table: live, deploying with its stage, drift, and a missing record", async () => {
    const { code, stdout, stderr } = await run(["dev"]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, "");
    const lines = stdout.trimEnd().split("\n");
    assert.equal(
      lines[0],
      "Greenlight dev: region eu-west-1, cluster greenlight-dev, CodeDeploy application greenlight-dev",
    );
    assert.equal(lines[1], "");
    const table = lines.slice(2);
    assert.equal(table.length, 5);
    const header = table[0] ?? "";
    assert.match(header, /^SERVICE +VERSION +STATE +WHO +WHEN +RUNNING +WARNINGS$/);
    for (const column of ["VERSION", "STATE", "WHO", "WHEN", "RUNNING"]) {
      const at = header.indexOf(column);
      for (const row of table.slice(1)) {
        assert.equal(row[at - 1], " ", `column ${column} starts at the same place in ${row}`);
        assert.notEqual(row[at], " ", `column ${column} has a value in ${row}`);
      }
    }
    const row = (service: string): string =>
      table.find((line) => line.startsWith(`${service} `)) ?? "";
    assert.match(
      row("admin"),
      /^admin +- +no record +- +- +2\/2 +no release recorded at \/greenlight\/dev\/admin\/live$/,
    );
    assert.match(
      row("checkout"),
      /^checkout +v1\.4\.3 +live +Ada Lovelace +2026-11-22 09:00 UTC \(3 h ago\) +2\/2$/,
    );
    assert.match(
      row("payments"),
      /^payments +9f8e7d6 +deploying greenlight-dev-payments:31 \(InProgress, AllowTraffic \(InProgress\)\) +Ada Lovelace +2026-11-21 12:00 UTC \(24 h ago\) +2\/2$/,
    );
    assert.match(
      row("search"),
      /^search +v2\.0\.0 +drift +Ada Lovelace +2026-11-19 11:30 UTC \(3 d ago\) +1\/2 +drift: ECS serves greenlight-dev-search:9 but the recorded release v2\.0\.0 is greenlight-dev-search:8; 1 of 2 tasks running$/,
    );
  });

  it("prints the same as JSON with --json", async () => {
    const { code, stdout } = await run(["dev", "--json"]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as {
      environment: string;
      generatedAt: string;
      services: {
        service: string;
        state: string;
        version: string | null;
        running: number | null;
        desired: number | null;
        release: ReleaseRecord | null;
        deployment: {
          id: string;
          status: string;
          stage?: string;
          taskDefinitionArn?: string;
        } | null;
        ecs: { taskDefinitionArn?: string; taskSets: { status: string }[] } | null;
        warnings: string[];
      }[];
    };
    assert.equal(report.environment, "dev");
    assert.equal(report.generatedAt, "2026-11-22T12:00:00.000Z");
    const byName = Object.fromEntries(report.services.map((s) => [s.service, s]));
    assert.deepEqual(
      report.services.map((s) => [s.service, s.state]),
      [
        ["admin", "no-record"],
        ["checkout", "live"],
        ["payments", "deploying"],
        ["search", "drift"],
      ],
    );
    assert.deepEqual(
      byName.checkout?.release,
      record("checkout", "v1.4.3", 12, "2026-11-22T09:00:00.000Z"),
    );
    assert.equal(byName.checkout?.ecs?.taskDefinitionArn, td("checkout", 12));
    assert.deepEqual(byName.payments?.deployment, {
      id: "d-PAYMENTS02",
      status: "InProgress",
      stage: "AllowTraffic (InProgress)",
      taskDefinitionArn: td("payments", 31),
      createdAt: "2026-11-22T11:55:00.000Z",
    });
    assert.deepEqual(
      byName.payments?.ecs?.taskSets.map((set) => set.status),
      ["PRIMARY", "ACTIVE"],
    );
    assert.equal(byName.admin?.release, null);
    assert.equal(byName.admin?.version, null);
    assert.equal(byName.search?.running, 1);
    assert.equal(byName.search?.desired, 2);
    assert.match(byName.search?.warnings[0] ?? "", /^drift: /);
  });

  it("asks CodeDeploy only for deployments in progress, per deployment group", async () => {
    const f = fixture();
    await run(["dev"], f);
    const calls = f.codeDeploy.commandCalls(ListDeploymentsCommand).map((c) => c.args[0].input);
    assert.equal(calls.length, 4);
    assert.deepEqual(
      calls.find((input) => input.deploymentGroupName === "greenlight-dev-checkout"),
      {
        applicationName: "greenlight-dev",
        deploymentGroupName: "greenlight-dev-checkout",
        includeOnlyStatuses: ["Created", "Queued", "InProgress", "Ready"],
      },
    );
    assert.deepEqual(
      f.ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input),
      [{ cluster: "greenlight-dev", services: ["admin", "checkout", "payments", "search"] }],
    );
  });

  it("shows one service, and names the services when the one asked for does not exist", async () => {
    const one = await run(["dev", "checkout"]);
    assert.equal(one.code, 0);
    assert.equal(
      one.stdout.trimEnd().split("\n").length,
      4,
      "header, blank, table header, one row",
    );
    assert.match(one.stdout, /^checkout +v1\.4\.3 +live/m);

    const unknown = await run(["dev", "billing"]);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      "status: dev has no service billing; its services: admin, checkout, payments, search.\n",
    );
  });

  it("passes --region to the clients, and uses the SDK's region chain without it", async () => {
    const f = fixture();
    await run(["dev", "--region", "eu-central-1"], f);
    await run(["dev"], f);
    assert.deepEqual(f.regions, ["eu-central-1", undefined]);
  });

  it("still shows a deployment when its lifecycle stage cannot be read, and says why", async () => {
    const f = fixture();
    f.codeDeploy
      .on(ListDeploymentTargetsCommand)
      .rejects(
        Object.assign(
          new Error(
            "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/ada is not authorized to perform: codedeploy:ListDeploymentTargets",
          ),
          { name: "AccessDeniedException" },
        ),
      );
    const { code, stdout } = await run(["dev", "payments"], f);
    assert.equal(code, 0);
    assert.match(stdout, /deploying greenlight-dev-payments:31 \(InProgress\)/);
    assert.match(
      stdout,
      /lifecycle stage unavailable \(codedeploy:ListDeploymentTargets: AccessDeniedException: User: .* is not authorized/,
    );
  });

  it("warns about a release record it cannot read, and counts the service as unrecorded", async () => {
    const f = fixture();
    f.ssm
      .on(GetParameterCommand, { Name: "/greenlight/dev/checkout/live" })
      .resolves({ Parameter: { Value: '{"service":"checkout"}' } });
    const { code, stdout } = await run(["dev", "checkout", "--json"], f);
    assert.equal(code, 0);
    const [status] = (JSON.parse(stdout) as { services: { state: string; warnings: string[] }[] })
      .services;
    assert.equal(status?.state, "no-record");
    assert.deepEqual(status?.warnings, [
      'the release record at /greenlight/dev/checkout/live cannot be read: the release record has no string "environment"',
      "no release recorded at /greenlight/dev/checkout/live",
    ]);
  });

  it("says which permission is missing when access is denied, and exits 2", async () => {
    const f = fixture();
    f.ecs
      .on(DescribeServicesCommand)
      .rejects(
        Object.assign(
          new Error(
            "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/ada is not authorized to perform: ecs:DescribeServices on resource: arn:aws:ecs:eu-west-1:123456789012:service/greenlight-dev/checkout because no identity-based policy allows the ecs:DescribeServices action",
          ),
          { name: "AccessDeniedException" },
        ),
      );
    const { code, stdout, stderr } = await run(["dev"], f);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    const lines = stderr.trimEnd().split("\n");
    assert.equal(
      lines[0],
      "status: access denied: arn:aws:sts::123456789012:assumed-role/ReadOnly/ada may not call ecs:DescribeServices on arn:aws:ecs:eu-west-1:123456789012:service/greenlight-dev/checkout.",
    );
    assert.match(
      lines[1] ?? "",
      /^Ask for ecs:DescribeServices\. `greenlight status` needs: ssm:GetParameter, /,
    );
  });

  it("names the action it called when the denial does not", async () => {
    const f = fixture();
    f.ssm.on(GetParameterCommand, { Name: "/greenlight/dev/stack" }).rejects(
      new AccessDeniedException({
        Message: "Access denied",
        message: "Access denied",
        $metadata: {},
      }),
    );
    const { code, stderr } = await run(["dev"], f);
    assert.equal(code, 2);
    assert.match(
      stderr,
      /^status: access denied: your credentials may not call ssm:GetParameter\./,
    );
  });

  it("explains how to configure credentials when there are none, and exits 2", async () => {
    const f = fixture();
    f.ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
    );
    const { code, stdout, stderr } = await run(["dev"], f);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /^status: no AWS credentials found \(Could not load credentials from any providers\)\./,
    );
    assert.match(stderr, /export AWS_PROFILE=<profile>/);
    assert.match(stderr, /aws sso login --profile <profile>/);
    assert.match(stderr, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it("says the stack may not be deployed when there is no stack index, and exits 2", async () => {
    const f = fixture();
    f.ssm.on(GetParameterCommand, { Name: "/greenlight/dev/stack" }).rejects(notFound());
    const { code, stderr } = await run(["dev"], f);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      "status: no stack index at /greenlight/dev/stack in eu-west-1.\n" +
        "The dev stack may not be deployed yet: run `pulumi up` in it (pulumi stack select dev). " +
        "If it is deployed in another region, pass --region <region>.\n",
    );
  });

  it("exits 1 with the action and the error for any other AWS failure", async () => {
    const f = fixture();
    f.codeDeploy
      .on(ListDeploymentsCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const { code, stderr } = await run(["dev"], f);
    assert.equal(code, 1);
    assert.equal(
      stderr,
      "status: codedeploy:ListDeployments failed: ThrottlingException: Rate exceeded\n",
    );
  });

  it("lists a service's releases newest first across pages, as a table and as JSON", async () => {
    const f = fixture();
    const version = (n: number, at: string) => ({
      Name: "/greenlight/dev/checkout/live",
      Version: n,
      LastModifiedDate: new Date(at),
      Value: JSON.stringify({
        ...record("checkout", `v1.4.${n}`, 10 + n, at),
        ...(n === 2 ? { ref: "v1.4.2", refType: "tag" } : {}),
      }),
    });
    f.ssm
      .on(GetParameterHistoryCommand, { Name: "/greenlight/dev/checkout/live", MaxResults: 50 })
      .resolves({
        Parameters: [version(1, "2026-11-20T10:00:00Z"), version(2, "2026-11-21T10:00:00Z")],
        NextToken: "page-2",
      })
      .on(GetParameterHistoryCommand, { NextToken: "page-2" })
      .resolves({
        Parameters: [
          version(3, "2026-11-22T09:00:00Z"),
          { Name: "/greenlight/dev/checkout/live", Version: 4, Value: "hand-edited" },
        ],
      });
    const text = await run(["dev", "--history", "checkout"], f);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "Releases of checkout in dev, newest first:");
    assert.match(lines[2] ?? "", /^# +VERSION +DEPLOYED +WHO +REF +COMMIT +DEPLOYMENT +MESSAGE$/);
    assert.match(
      lines[3] ?? "",
      /^4 +- +- +- +- +- +- +\(unreadable: the release record is not JSON\)$/,
    );
    assert.match(
      lines[4] ?? "",
      /^3 +v1\.4\.3 +2026-11-22 09:00 UTC +Ada Lovelace +branch development +a1b2c3d +d-CHECKOUT01 +Ship checkout v1\.4\.3$/,
    );
    assert.match(lines[5] ?? "", /^2 +v1\.4\.2 +2026-11-21 10:00 UTC +Ada Lovelace +tag v1\.4\.2 /);
    assert.match(lines[6] ?? "", /^1 +v1\.4\.1 /);
    assert.equal(f.ssm.commandCalls(GetParameterHistoryCommand).length, 2);

    const json = await run(["dev", "--history", "checkout", "--json"], f);
    const document = JSON.parse(json.stdout) as {
      environment: string;
      service: string;
      releases: { parameterVersion: number; release?: ReleaseRecord; problem?: string }[];
    };
    assert.equal(document.service, "checkout");
    assert.deepEqual(
      document.releases.map((entry) => entry.parameterVersion),
      [4, 3, 2, 1],
    );
    assert.equal(document.releases[1]?.release?.version, "v1.4.3");
    assert.equal(document.releases[0]?.problem, "the release record is not JSON");
  });

  it("says when a service has no releases yet", async () => {
    const f = fixture();
    f.ssm.on(GetParameterHistoryCommand).rejects(notFound());
    const { code, stdout } = await run(["dev", "--history", "admin"], f);
    assert.equal(code, 0);
    assert.equal(stdout, "No releases recorded for admin in dev yet.\n");
    const json = await run(["dev", "--history", "admin", "--json"], f);
    assert.deepEqual(JSON.parse(json.stdout), {
      environment: "dev",
      service: "admin",
      releases: [],
    });
  });

  it("exits 2 for bad usage without calling AWS, and prints help", async () => {
    const f = fixture();
    for (const [argv, problem] of [
      [[], /give the environment/],
      [["dev", "checkout", "extra"], /unexpected argument "extra"/],
      [["dev", "--verbose"], /Unknown option '--verbose'/],
      [["dev", "--region", "Europe"], /--region "Europe" is not a region such as eu-west-1/],
      [
        ["dev", "checkout", "--history", "payments"],
        /give one service: checkout or --history payments/,
      ],
      [["../prod"], /the environment "..\/prod" is not a name/],
    ] as const) {
      const { code, stderr } = await run([...argv], f);
      assert.equal(code, 2, argv.join(" "));
      assert.match(stderr, problem);
    }
    assert.equal(f.regions.length, 0, "no client was created");
    const help = await run(["--help"], f);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: npm run status -- <env> \[service\|all\]/);
  });

  it("runs as a script through npm's ts-node entry, and exits 2 without credentials", async () => {
    const root = path.resolve(__dirname, "..", "..");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_REGION: REGION,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(root, "no-such-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(root, "no-such-aws-credentials"),
      NODE_NO_WARNINGS: "1",
    };
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [require.resolve("ts-node/dist/bin.js"), path.join(root, "tools", "status.ts"), "dev"],
        { cwd: root, env, timeout: 40_000 },
        (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
      );
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /status: no AWS credentials found/);
  });
});
