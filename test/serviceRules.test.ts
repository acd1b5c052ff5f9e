import { strict as assert } from "assert";
import {
  checkEnvironment,
  DEFAULT_SCALING_CPU_PERCENT,
  kmsKeyProblem,
  parseAutoscaling,
  parsePermissions,
  parseSecrets,
  parseSecretSource,
} from "../components/serviceRules";

const ENV = "greenlight:services[1].environment";
const SECRETS = "greenlight:services[1].secrets";
const PERMISSIONS = "greenlight:services[1].permissions";
const SCALING = "greenlight:services[1].autoscaling";

describe("service rules", () => {
  describe("environment", () => {
    it("accepts plain settings and names that point at a secret (…_ARN, …_NAME)", () => {
      assert.deepEqual(
        checkEnvironment(ENV, {
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
      const problems = checkEnvironment(ENV, {
        DB_PASSWORD: "hunter2-value",
        STRIPE_API_KEY: "sk_live_value",
        session_token: "abc-value",
        CLIENT_SECRET: "xyz-value",
      });
      assert.deepEqual(problems, [
        `${ENV}.DB_PASSWORD is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.DB_PASSWORD (or rename a non-secret variable).`,
        `${ENV}.STRIPE_API_KEY is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.STRIPE_API_KEY (or rename a non-secret variable).`,
        `${ENV}.session_token is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.session_token (or rename a non-secret variable).`,
        `${ENV}.CLIENT_SECRET is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${SECRETS}.CLIENT_SECRET (or rename a non-secret variable).`,
      ]);
      for (const p of problems) assert.ok(!p.includes("-value"), p);
    });

    it("refuses values that are credentials whatever the name, without showing them", () => {
      const values = {
        KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        TEMP_KEY: "ASIAIOSFODNN7EXAMPLE",
        NOTIFY: "https://hooks.slack.com/services/T0/B0/abcdef",
        DATABASE_URL: "postgres://orders:s3cr3tpw@db.internal:5432/orders",
        CERT: "-----BEGIN PRIVATE KEY-----",
      };
      const problems = checkEnvironment(ENV, values);
      assert.deepEqual(
        problems.map((p) => p.slice(0, p.indexOf(" (not shown)"))),
        [
          `${ENV}.KEY_ID has a value that looks like an AWS access key id`,
          `${ENV}.TEMP_KEY has a value that looks like an AWS access key id`,
          `${ENV}.NOTIFY has a value that looks like a Slack webhook URL`,
          `${ENV}.DATABASE_URL has a value that looks like a URL with a password in it`,
          `${ENV}.CERT has a value that looks like a PEM key or certificate`,
        ],
      );
      for (const p of problems) {
        assert.match(p, new RegExp(`reference it in ${SECRETS.replace(/[[\].]/g, "\\$&")}\\.`));
        for (const v of Object.values(values)) assert.ok(!p.includes(v), p);
      }
    });

    it("refuses the names ECS sets, static AWS credentials, PORT and the GREENLIGHT_ prefix", () => {
      assert.deepEqual(
        checkEnvironment(ENV, {
          AWS_REGION: "eu-west-1",
          ECS_CONTAINER_METADATA_URI_V4: "http://x",
          AWS_ACCESS_KEY_ID: "x",
          PORT: "9000",
          GREENLIGHT_VERSION: "1",
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
      assert.deepEqual(checkEnvironment(ENV, { DB_HOST: "db" }, ["DB_HOST"]), [
        `${ENV}.DB_HOST is also set in ${SECRETS}.DB_HOST; set it in one of them.`,
      ]);
    });
  });

  describe("secrets", () => {
    it("reads names, JSON keys, ARNs and SSM parameters, sorted by variable", () => {
      const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf";
      const { value, problems } = parseSecrets(SECRETS, {
        DB_USER: "prod/orders/db:username",
        API_KEY: "prod/orders/api-key",
        DB_PASSWORD: `${arn}:password`,
        SIGNING: arn,
        FLAGS: { ssm: "/prod/orders/flags" },
        LEGACY: { ssm: "legacy-flag" },
        OTHER: { ssm: "arn:aws:ssm:eu-west-1:123456789012:parameter/shared/x" },
      });
      assert.deepEqual(problems, []);
      assert.deepEqual(value, [
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
    });

    it("refuses malformed references, naming the variable", () => {
      const cases: [unknown, string][] = [
        ["", `${SECRETS}.X is string; use a Secrets Manager secret ARN or name`],
        [42, `${SECRETS}.X is number; use a Secrets Manager secret ARN or name`],
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
        [{ ssm: 5 }, `${SECRETS}.X.ssm must be an SSM parameter name or ARN`],
        [{ smm: "/x" }, `${SECRETS}.X.smm is not a Greenlight setting; known settings: ssm.`],
        [["a"], `${SECRETS}.X is a list; use a Secrets Manager secret ARN or name`],
      ];
      for (const [reference, start] of cases) {
        const { value, problems } = parseSecretSource(`${SECRETS}.X`, reference);
        assert.equal(value, undefined, JSON.stringify(reference));
        assert.ok(problems.length >= 1, JSON.stringify(reference));
        assert.ok(problems[0].startsWith(start), `${JSON.stringify(reference)}: ${problems[0]}`);
      }
    });

    it("refuses a secrets value that is not a map, and variable names ECS reserves", () => {
      assert.deepEqual(parseSecrets(SECRETS, ["DB_PASSWORD"]).problems, [
        `${SECRETS} must be a map of ENV_NAME: <secret reference>, not a list.`,
      ]);
      assert.deepEqual(parseSecrets(SECRETS, { "DB-PASS": "x", AWS_REGION: "x" }).problems, [
        `${SECRETS}.DB-PASS is not a valid environment variable name; use letters, digits and underscores.`,
        `${SECRETS}.AWS_REGION is reserved (ECS sets it to the task's region); remove it, or rename it.`,
      ]);
    });

    it("accepts a customer key by ARN only, not an alias", () => {
      const key = "greenlight:services[1].secretsKmsKeyArn";
      assert.equal(
        kmsKeyProblem(
          key,
          "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        undefined,
      );
      assert.equal(
        kmsKeyProblem(
          key,
          "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        ),
        undefined,
      );
      assert.match(
        kmsKeyProblem(key, "arn:aws:kms:eu-west-1:123456789012:alias/orders") ?? "",
        /^greenlight:services\[1\]\.secretsKmsKeyArn is ".*alias\/orders"; give the KMS key's ARN/,
      );
    });
  });

  describe("permissions", () => {
    it("reads statements (Allow by default) and managed policy ARNs", () => {
      const { value, problems } = parsePermissions(PERMISSIONS, {
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
      });
      assert.deepEqual(problems, []);
      assert.deepEqual(value, {
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
    });

    it("refuses wildcard actions, resource * beyond the listed actions, and malformed ARNs", () => {
      const { value, problems } = parsePermissions(PERMISSIONS, {
        statements: [
          { actions: ["s3:*", "*", "s3:Get*", "GetObject"], resources: ["arn:aws:s3:::b/*"] },
          { actions: ["dynamodb:GetItem"], resources: ["*", "table/orders"] },
          { actions: [], resources: ["arn:aws:s3:::b"] },
          { effect: "allow", actions: ["s3:GetObject"], resources: "arn:aws:s3:::b/*", extra: 1 },
        ],
      });
      const at = `${PERMISSIONS}.statements`;
      assert.deepEqual(problems, [
        `${at}[0].actions[0] is "s3:*"; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`,
        `${at}[0].actions[1] is "*"; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`,
        `${at}[0].actions[2] is "s3:Get*"; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`,
        `${at}[0].actions[3] is "GetObject"; an action is <service>:<Action>, e.g. dynamodb:GetItem.`,
        `${at}[1].resources[0] is "*" for dynamodb:GetItem; name the resources' ARNs ("*" is only for actions without resource-level permissions, such as cloudwatch:PutMetricData, xray:PutTelemetryRecords, xray:PutTraceSegments).`,
        `${at}[1].resources[1] is "table/orders"; give a full ARN (e.g. arn:aws:dynamodb:eu-west-1:123456789012:table/orders or arn:aws:s3:::acme-orders/*).`,
        `${at}[2].actions must be a non-empty list of strings.`,
        `${at}[3].extra is not a Greenlight setting; known settings: sid, effect, actions, resources, conditions.`,
        `${at}[3].effect is "allow"; use Allow or Deny.`,
      ]);
      assert.deepEqual(value.statements, []);
    });

    it("refuses administrator policies, malformed policy ARNs and bad conditions", () => {
      const { problems } = parsePermissions(PERMISSIONS, {
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
      });
      assert.deepEqual(problems, [
        `${PERMISSIONS}.roles is not a Greenlight setting; known settings: statements, managedPolicyArns.`,
        `${PERMISSIONS}.statements[0].conditions must be an IAM Condition block: {<operator>: {<condition key>: <value or list>}} (e.g. {StringEquals: {"aws:ResourceTag/team": orders}}).`,
        `${PERMISSIONS}.managedPolicyArns[0] attaches AdministratorAccess, which grants nearly everything in the account; list the statements the service needs instead.`,
        `${PERMISSIONS}.managedPolicyArns[2] is "orders-read"; give a managed policy ARN (arn:aws:iam::123456789012:policy/orders-read or arn:aws:iam::aws:policy/…).`,
      ]);
    });
  });

  describe("autoscaling", () => {
    it("holds CPU at the default when no metric is named", () => {
      assert.deepEqual(parseAutoscaling(SCALING, { min: 2, max: 6 }), {
        value: { min: 2, max: 6, cpuPercent: DEFAULT_SCALING_CPU_PERCENT },
        problems: [],
      });
      assert.deepEqual(
        parseAutoscaling(SCALING, { min: 1, max: 4, requestsPerTarget: 800 }).value,
        {
          min: 1,
          max: 4,
          requestsPerTarget: 800,
        },
      );
      assert.deepEqual(parseAutoscaling(SCALING, undefined), { value: undefined, problems: [] });
    });

    it("refuses min above max, missing bounds, zero tasks and out-of-range targets", () => {
      assert.deepEqual(parseAutoscaling(SCALING, { min: 5, max: 2 }).problems, [
        `${SCALING}.min is 5, more than max 2; set min ≤ max.`,
      ]);
      assert.deepEqual(
        parseAutoscaling(SCALING, { max: 4, cpuPercent: 100, memoryPercent: 2.5, rps: 1 }).problems,
        [
          `${SCALING}.rps is not a Greenlight setting; known settings: min, max, cpuPercent, memoryPercent, requestsPerTarget.`,
          `${SCALING}.min is required; set the fewest tasks the service may run.`,
          `${SCALING}.cpuPercent is 100; use a whole number from 10 to 95.`,
          `${SCALING}.memoryPercent is 2.5; use a whole number from 10 to 95.`,
        ],
      );
      assert.deepEqual(parseAutoscaling(SCALING, { min: 0, max: 2 }).problems, [
        `${SCALING}.min is 0; use a whole number from 1 to 200.`,
      ]);
      assert.deepEqual(parseAutoscaling(SCALING, "on").problems, [
        `${SCALING} must be a map {min, max, cpuPercent?, memoryPercent?, requestsPerTarget?}, not string.`,
      ]);
    });

    it("refuses an explicit desiredCount outside the range", () => {
      assert.deepEqual(parseAutoscaling(SCALING, { min: 2, max: 4 }, 8).problems, [
        "greenlight:services[1].desiredCount is 8, outside autoscaling 2–4; remove desiredCount (the service starts at min) or set it within the range.",
      ]);
      assert.deepEqual(parseAutoscaling(SCALING, { min: 2, max: 4 }, 3).problems, []);
    });
  });
});
