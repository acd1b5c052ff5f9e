import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../components/config";
import { keyOf } from "../components/config/problems";
import type { Problem } from "../components/config/rules";
import {
  autoscalingProblems,
  DEFAULT_SCALING_CPU_PERCENT,
  desiredCountProblems,
  environmentProblems,
  managedPoliciesProblems,
  parseSecretSource,
  secretList,
  statementProblems,
} from "../components/serviceRules";

const ENV = "greenlight:services[1].environment";
const SECRETS = "greenlight:services[1].secrets";
const PERMISSIONS = "greenlight:services[1].permissions";
const SCALING = "greenlight:services[1].autoscaling";

/** Problems as the user reads them, for a rule whose paths are relative to `base`. */
function messages(problems: readonly Problem[], base: readonly (string | number)[]): string[] {
  return problems.map((p) => `${keyOf([...base, ...p.path])} ${p.message}`);
}

const env = (environment: Record<string, string>, secretNames: string[] = []) =>
  messages(environmentProblems(environment, secretNames, ["services", 1, "secrets"]), [
    "services",
    1,
    "environment",
  ]);

/** A stack whose second service carries `patch`. */
function stack(patch: Record<string, unknown>) {
  return {
    environment: "dev",
    network: { cidr: "10.10.0.0/16" },
    services: [
      { name: "web", sourcePath: "app-sample", containerPort: 8080 },
      {
        name: "orders",
        sourcePath: "services/orders",
        containerPort: 8080,
        prodPort: 8081,
        testPort: 9081,
        ...patch,
      },
    ],
    source: { provider: "GitHub", repository: "acme/shop", branches: ["development"] },
  };
}

/** What the schema reports for the second service's `patch`. */
function problems(patch: Record<string, unknown>): readonly string[] {
  try {
    parseConfig(stack(patch));
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("the configuration was accepted");
}

const parsed = (patch: Record<string, unknown>) => parseConfig(stack(patch)).services[1];

describe("service rules", () => {
  describe("environment", () => {
    it("accepts plain settings and names that point at a secret (…_ARN, …_NAME)", () => {
      assert.deepEqual(
        env({
          LOG_LEVEL: "info",
          DB_PASSWORD_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
          TOKEN_ISSUER: "https://auth.example.com",
          AWS_NODEJS_CONNECTION_REUSE_ENABLED: "1",
          DATABASE_URL: "postgres://db.internal:5432/orders",
        }),
        [],
      );
    });

    it("refuses secret-looking names, pointing at secrets, without showing the value", () => {
      const found = env({
        DB_PASSWORD: "hunter2-value",
        STRIPE_API_KEY: "sk_live_value",
        session_token: "abc-value",
        CLIENT_SECRET: "xyz-value",
      });
      assert.deepEqual(found, [
        `${ENV}.DB_PASSWORD is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.DB_PASSWORD (or rename a non-secret variable).`,
        `${ENV}.STRIPE_API_KEY is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.STRIPE_API_KEY (or rename a non-secret variable).`,
        `${ENV}.session_token is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.session_token (or rename a non-secret variable).`,
        `${ENV}.CLIENT_SECRET is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.CLIENT_SECRET (or rename a non-secret variable).`,
      ]);
      for (const p of found) assert.ok(!p.includes("-value"), p);
    });

    it("refuses values that are credentials whatever the name, without showing them", () => {
      const values = {
        KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        TEMP_KEY: "ASIAIOSFODNN7EXAMPLE",
        NOTIFY: "https://hooks.slack.com/services/T0/B0/abcdef",
        DATABASE_URL: "postgres://orders:s3cr3tpw@db.internal:5432/orders",
        CERT: "-----BEGIN PRIVATE KEY-----",
      };
      const found = env(values);
      assert.deepEqual(
        found.map((p) => p.slice(0, p.indexOf(" (not shown)"))),
        [
          `${ENV}.KEY_ID has a value that looks like an AWS access key id`,
          `${ENV}.TEMP_KEY has a value that looks like an AWS access key id`,
          `${ENV}.NOTIFY has a value that looks like a Slack webhook URL`,
          `${ENV}.DATABASE_URL has a value that looks like a URL with a password in it`,
          `${ENV}.CERT has a value that looks like a PEM key or certificate`,
        ],
      );
      for (const p of found) {
        assert.match(p, new RegExp(`reference it in ${SECRETS.replace(/[[\].]/g, "\\$&")}\\.`));
        for (const v of Object.values(values)) assert.ok(!p.includes(v), p);
      }
    });

    it("refuses the names ECS sets, static AWS credentials, PORT and the GREENLIGHT_ prefix", () => {
      assert.deepEqual(
        problems({
          environment: {
            AWS_REGION: "eu-west-1",
            ECS_CONTAINER_METADATA_URI_V4: "http://x",
            AWS_ACCESS_KEY_ID: "x",
            PORT: "9000",
            GREENLIGHT_VERSION: "1",
          },
        }),
        [
          `${ENV}.AWS_REGION is reserved (ECS sets it to the task's region); remove it, or rename it.`,
          `${ENV}.ECS_CONTAINER_METADATA_URI_V4 is reserved (ECS sets it: the task metadata endpoint); remove it, or rename it.`,
          `${ENV}.AWS_ACCESS_KEY_ID is reserved (static credentials override the task role); grant the AWS access the service needs in permissions (its task role) instead.`,
          `${ENV}.PORT is reserved (Greenlight sets it from containerPort); remove it, or rename it.`,
          `${ENV}.GREENLIGHT_VERSION uses the GREENLIGHT_ prefix, which the pipeline reserves for build metadata; rename it.`,
        ],
      );
    });

    it("refuses a variable set both as plain environment and as a secret", () => {
      assert.deepEqual(env({ DB_HOST: "db" }, ["DB_HOST"]), [
        `${ENV}.DB_HOST is also set in ${SECRETS}.DB_HOST; set it in one of them.`,
      ]);
      assert.deepEqual(
        problems({ environment: { DB_HOST: "db" }, secrets: { DB_HOST: "prod/db:host" } }),
        [`${ENV}.DB_HOST is also set in ${SECRETS}.DB_HOST; set it in one of them.`],
      );
    });
  });

  describe("secrets", () => {
    it("reads names, JSON keys, ARNs and SSM parameters, sorted by variable", () => {
      const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf";
      const { secrets } = parsed({
        secrets: {
          DB_USER: "prod/orders/db:username",
          API_KEY: "prod/orders/api-key",
          DB_PASSWORD: `${arn}:password`,
          SIGNING: arn,
          FLAGS: { ssm: "/prod/orders/flags" },
          LEGACY: { ssm: "legacy-flag" },
          OTHER: { ssm: "arn:aws:ssm:eu-west-1:123456789012:parameter/shared/x" },
        },
      });
      assert.deepEqual(secrets, [
        {
          name: "API_KEY",
          source: { kind: "secretsManager", secret: "prod/orders/api-key", jsonKey: undefined },
        },
        {
          name: "DB_PASSWORD",
          source: { kind: "secretsManager", secret: arn, jsonKey: "password" },
        },
        {
          name: "DB_USER",
          source: { kind: "secretsManager", secret: "prod/orders/db", jsonKey: "username" },
        },
        { name: "FLAGS", source: { kind: "ssm", parameter: "/prod/orders/flags" } },
        { name: "LEGACY", source: { kind: "ssm", parameter: "legacy-flag" } },
        {
          name: "OTHER",
          source: {
            kind: "ssm",
            parameter: "arn:aws:ssm:eu-west-1:123456789012:parameter/shared/x",
          },
        },
        { name: "SIGNING", source: { kind: "secretsManager", secret: arn, jsonKey: undefined } },
      ]);
      assert.deepEqual(parsed({}).secrets, []);
      assert.deepEqual(
        secretList({ B: { kind: "ssm", parameter: "/b" }, A: { kind: "ssm", parameter: "/a" } }),
        [
          { name: "A", source: { kind: "ssm", parameter: "/a" } },
          { name: "B", source: { kind: "ssm", parameter: "/b" } },
        ],
      );
    });

    it("refuses malformed references, naming the variable", () => {
      const cases: [unknown, string][] = [
        ["", `${SECRETS}.X is string ""; use a non-empty string.`],
        [42, `${SECRETS}.X is number 42; use a Secrets Manager secret ARN or name`],
        ["prod/db:", `${SECRETS}.X has a malformed JSON key after "prod/db:"`],
        ["prod/db:a:b", `${SECRETS}.X has a malformed JSON key after "prod/db:"`],
        ["prod db", `${SECRETS}.X names the secret "prod db"; a Secrets Manager secret name uses`],
        ["arn:aws:s3:::bucket/key", `${SECRETS}.X is not a Secrets Manager secret ARN;`],
        [
          "arn:aws:ssm:eu-west-1:123456789012:parameter/x",
          `${SECRETS}.X is not a Secrets Manager secret ARN (an SSM parameter ARN goes in {ssm: <arn>})`,
        ],
        [
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:key:AWSCURRENT",
          `${SECRETS}.X is not a Secrets Manager secret ARN;`,
        ],
        [
          { ssm: "prod/orders/flags" },
          `${SECRETS}.X.ssm is "prod/orders/flags"; an SSM parameter name`,
        ],
        [{ ssm: "/prod//flags" }, `${SECRETS}.X.ssm is "/prod//flags"; an SSM parameter name`],
        [{ ssm: 5 }, `${SECRETS}.X.ssm must be a non-empty string, not number 5.`],
        [{ smm: "/x" }, `${SECRETS}.X.smm is not a Greenlight setting; did you mean ssm?`],
        [["a"], `${SECRETS}.X is a list; use a Secrets Manager secret ARN or name`],
      ];
      for (const [reference, start] of cases) {
        const found = problems({ secrets: { X: reference } });
        assert.ok(
          found.some((p) => p.startsWith(start)),
          `${JSON.stringify(reference)}: ${found.join(" | ")}`,
        );
      }
      // The rule alone: a reference's problems are relative to it.
      assert.deepEqual(parseSecretSource({ ssm: "a/b" }).problems[0].path, ["ssm"]);
      assert.equal(parseSecretSource("prod db").value, undefined);
    });

    it("refuses a secrets value that is not a map, and variable names ECS reserves", () => {
      assert.deepEqual(problems({ secrets: ["DB_PASSWORD"] }), [
        `${SECRETS} must be a map of ENV_NAME: <secret reference>, not a list.`,
      ]);
      assert.deepEqual(problems({ secrets: { "DB-PASS": "x", AWS_REGION: "x" } }), [
        `${SECRETS}.DB-PASS is not a valid environment variable name; use letters, digits and underscores.`,
        `${SECRETS}.AWS_REGION is reserved (ECS sets it to the task's region); remove it, or rename it.`,
      ]);
    });

    it("accepts a customer key by ARN only, not an alias", () => {
      const key = "greenlight:services[1].secretsKmsKeyArn";
      for (const arn of [
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
      ]) {
        assert.equal(parsed({ secretsKmsKeyArn: arn }).secretsKmsKeyArn, arn);
      }
      const [alias] = problems({
        secretsKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/orders",
      });
      assert.match(
        alias,
        new RegExp(
          `^${key.replace(/[[\].]/g, "\\$&")} is ".*alias/orders"; give the KMS key's ARN`,
        ),
      );
    });
  });

  describe("permissions", () => {
    it("reads statements (Allow by default) and managed policy ARNs", () => {
      const { permissions } = parsed({
        permissions: {
          statements: [
            {
              actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
              resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"],
            },
            {
              sid: "Metrics",
              actions: ["cloudwatch:PutMetricData"],
              resources: ["*"],
              conditions: { StringEquals: { "cloudwatch:namespace": "Orders" } },
            },
            { effect: "Deny", actions: ["s3:DeleteObject"], resources: ["*"] },
          ],
          managedPolicyArns: ["arn:aws:iam::123456789012:policy/orders-read"],
        },
      });
      assert.deepEqual(permissions, {
        statements: [
          {
            effect: "Allow",
            actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
            resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"],
          },
          {
            sid: "Metrics",
            effect: "Allow",
            actions: ["cloudwatch:PutMetricData"],
            resources: ["*"],
            conditions: { StringEquals: { "cloudwatch:namespace": "Orders" } },
          },
          { effect: "Deny", actions: ["s3:DeleteObject"], resources: ["*"] },
        ],
        managedPolicyArns: ["arn:aws:iam::123456789012:policy/orders-read"],
      });
      assert.deepEqual(parsed({}).permissions, { statements: [], managedPolicyArns: [] });
    });

    it("refuses wildcard actions, malformed actions and ARNs, and a statement's shape", () => {
      const at = `${PERMISSIONS}.statements`;
      assert.deepEqual(
        problems({
          permissions: {
            statements: [
              { actions: ["s3:*", "*", "s3:Get*", "GetObject"], resources: ["arn:aws:s3:::b/*"] },
              { actions: ["dynamodb:GetItem"], resources: ["table/orders"] },
              { actions: [], resources: ["arn:aws:s3:::b"] },
              {
                effect: "allow",
                actions: ["s3:GetObject"],
                resources: ["arn:aws:s3:::b/*"],
                extra: 1,
              },
            ],
          },
        }),
        [
          `${at}[0].actions[0] is "s3:*"; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`,
          `${at}[0].actions[1] is "*"; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`,
          `${at}[0].actions[2] is "s3:Get*"; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`,
          `${at}[0].actions[3] is "GetObject"; an action is <service>:<Action>, e.g. dynamodb:GetItem.`,
          `${at}[1].resources[0] is "table/orders"; give a full ARN (e.g. arn:aws:dynamodb:eu-west-1:123456789012:table/orders or arn:aws:s3:::acme-orders/*).`,
          `${at}[2].actions has 0 entries; list at least 1.`,
          `${at}[3].effect is "allow"; choose one of Allow or Deny.`,
          `${at}[3].extra is not a Greenlight setting; known settings: sid, effect, actions, resources, conditions.`,
        ],
      );
    });

    it('refuses resource "*" for actions that have resource-level permissions', () => {
      const wildcard = {
        actions: ["dynamodb:GetItem", "cloudwatch:PutMetricData"],
        resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders", "*"],
      };
      assert.deepEqual(problems({ permissions: { statements: [wildcard] } }), [
        `${PERMISSIONS}.statements[0].resources[1] is "*" for dynamodb:GetItem; name the resources' ARNs ("*" is only for actions without resource-level permissions, such as cloudwatch:PutMetricData, xray:PutTelemetryRecords, xray:PutTraceSegments).`,
      ]);
      assert.deepEqual(statementProblems({ ...wildcard, effect: "Deny" }), []);
      assert.deepEqual(
        statementProblems({
          effect: "Allow",
          actions: ["xray:PutTraceSegments"],
          resources: ["*"],
        }),
        [],
      );
    });

    it("refuses administrator policies, malformed policy ARNs, duplicates and bad conditions", () => {
      assert.deepEqual(
        problems({
          permissions: {
            statements: [
              {
                actions: ["s3:GetObject"],
                resources: ["arn:aws:s3:::b/*"],
                conditions: { Bool: "true" },
              },
            ],
            managedPolicyArns: [
              "arn:aws:iam::aws:policy/AdministratorAccess",
              "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
              "orders-read",
            ],
            roles: [],
          },
        }),
        [
          `${PERMISSIONS}.statements[0].conditions.Bool must be a map {<condition key>: <value or list>} (e.g. {"aws:ResourceTag/team": orders}), not string "true".`,
          `${PERMISSIONS}.managedPolicyArns[0] attaches AdministratorAccess, which grants nearly everything in the account; list the statements the service needs instead.`,
          `${PERMISSIONS}.managedPolicyArns[2] is "orders-read"; give a managed policy ARN (arn:aws:iam::123456789012:policy/orders-read or arn:aws:iam::aws:policy/…).`,
          `${PERMISSIONS}.roles is not a Greenlight setting; known settings: statements, managedPolicyArns.`,
        ],
      );
      const policy = (n: number) => `arn:aws:iam::123456789012:policy/p${n}`;
      assert.deepEqual(
        messages(managedPoliciesProblems([policy(1), policy(1)]), [
          "services",
          1,
          "permissions",
          "managedPolicyArns",
        ]),
        [`${PERMISSIONS}.managedPolicyArns[1] lists ${policy(1)} twice; list it once.`],
      );
      assert.deepEqual(
        problems({
          permissions: { managedPolicyArns: Array.from({ length: 11 }, (_, i) => policy(i)) },
        }),
        [
          `${PERMISSIONS}.managedPolicyArns lists 11 policies; IAM attaches at most 10 managed policies to a role by default.`,
        ],
      );
    });
  });

  describe("autoscaling", () => {
    it("holds CPU at the default when no metric is named, and starts at min", () => {
      const scaled = parsed({ autoscaling: { min: 2, max: 6 } });
      assert.deepEqual(scaled.autoscaling, {
        min: 2,
        max: 6,
        cpuPercent: DEFAULT_SCALING_CPU_PERCENT,
      });
      assert.equal(scaled.desiredCount, 2);
      assert.deepEqual(
        parsed({ autoscaling: { min: 1, max: 4, requestsPerTarget: 800 } }).autoscaling,
        {
          min: 1,
          max: 4,
          requestsPerTarget: 800,
        },
      );
      assert.equal(parsed({}).autoscaling, undefined);
      assert.equal(parsed({}).desiredCount, 2);
    });

    it("refuses min above max, missing bounds, zero tasks and out-of-range targets", () => {
      assert.deepEqual(problems({ autoscaling: { min: 5, max: 2 } }), [
        `${SCALING}.min is 5, more than max 2; set min ≤ max.`,
      ]);
      assert.deepEqual(
        problems({ autoscaling: { max: 4, cpuPercent: 100, memoryPercent: 2.5, rps: 1 } }),
        [
          `${SCALING}.min is required; set the fewest tasks the service may run.`,
          `${SCALING}.cpuPercent is 100; use a value from 10 to 95.`,
          `${SCALING}.memoryPercent is 2.5; use a whole number.`,
          `${SCALING}.rps is not a Greenlight setting; known settings: min, max, cpuPercent, memoryPercent, requestsPerTarget.`,
        ],
      );
      assert.deepEqual(problems({ autoscaling: { min: 0, max: 2 } }), [
        `${SCALING}.min is 0; use a value from 1 to 200.`,
      ]);
      assert.deepEqual(problems({ autoscaling: "on" }), [
        `${SCALING} must be a map of settings, not string "on".`,
      ]);
      assert.deepEqual(autoscalingProblems({ min: 3, max: 3 }), []);
    });

    it("refuses an explicit desiredCount outside the range", () => {
      assert.deepEqual(problems({ autoscaling: { min: 2, max: 4 }, desiredCount: 8 }), [
        "greenlight:services[1].desiredCount is 8, outside autoscaling 2–4; remove desiredCount (the service starts at min) or set it within the range.",
      ]);
      assert.equal(parsed({ autoscaling: { min: 2, max: 4 }, desiredCount: 3 }).desiredCount, 3);
      assert.deepEqual(desiredCountProblems(8, undefined), []);
      assert.deepEqual(desiredCountProblems(8, { min: 9, max: 3 }), []);
    });
  });
});
