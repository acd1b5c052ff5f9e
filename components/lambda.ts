import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bundleHook, HOOK_BUNDLE_FILE, HOOK_HANDLER_EXPORT } from "../hooks/bundle";
import { roleWithPolicy, type Statement } from "./iam";
import type { Tags } from "./tags";

/** The Lambda runtime of Greenlight's functions: the newest Node.js Lambda offers (`@pulumi/aws` `Runtime.NodeJS24dX`). */
export const LAMBDA_RUNTIME = aws.lambda.Runtime.NodeJS24dX;

/**
 * A function's code: its entry in `hooks/` bundled with esbuild at `pulumi up` time (no separate
 * build step; the AWS SDK v3 comes with the Lambda runtime), as `index.js`.
 */
export function lambdaArchive(entry: string): pulumi.Output<pulumi.asset.AssetArchive> {
  return pulumi.output(bundleHook(entry)).apply(
    (bundle) =>
      new pulumi.asset.AssetArchive({
        [HOOK_BUNDLE_FILE]: new pulumi.asset.StringAsset(bundle.code),
      }),
  );
}

export interface GreenlightFunctionArgs {
  /** The function's physical name (its log group is `/aws/lambda/<name>`). */
  readonly functionName: string;
  readonly description: string;
  /** The entry point in `hooks/`, exporting `handler`. */
  readonly entry: string;
  readonly roleDescription: string;
  /** What the function may call, besides writing its own logs. */
  readonly statements: readonly Statement[];
  readonly timeoutSeconds: number;
  readonly environment: Record<string, pulumi.Input<string>>;
  readonly vpcConfig?: aws.types.input.lambda.FunctionVpcConfig;
  readonly logRetentionDays: number;
  readonly tags: Tags;
}

/**
 * One of Greenlight's Lambda functions, with its log group (retention set) and its role (its logs
 * plus the given statements). Resource names: `<name>-logs`, `<name>` for the role, its policy
 * and the function.
 */
export function greenlightFunction(
  name: string,
  args: GreenlightFunctionArgs,
  parent: pulumi.Resource,
): { fn: aws.lambda.Function; role: aws.iam.Role } {
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    {
      name: `/aws/lambda/${args.functionName}`,
      retentionInDays: args.logRetentionDays,
      tags: args.tags,
    },
    { parent },
  );
  const { role, policy } = roleWithPolicy(
    name,
    {
      assumedBy: "lambda.amazonaws.com",
      description: args.roleDescription,
      statements: [
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: pulumi.interpolate`${logGroup.arn}:*`,
        },
        ...args.statements,
      ],
      tags: args.tags,
    },
    parent,
  );
  const fn = new aws.lambda.Function(
    name,
    {
      name: args.functionName,
      description: args.description,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: `${HOOK_BUNDLE_FILE.replace(/\.js$/, "")}.${HOOK_HANDLER_EXPORT}`,
      code: lambdaArchive(args.entry),
      role: role.arn,
      memorySize: 256,
      timeout: args.timeoutSeconds,
      environment: { variables: args.environment },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      vpcConfig: args.vpcConfig,
      tags: args.tags,
    },
    { parent, dependsOn: [policy!, logGroup] },
  );
  return { fn, role };
}

/** Reading the Slack webhook secret, shared by the live hook and the notifier. */
export function readSecretStatement(secretArn: pulumi.Input<string>): Statement {
  return {
    Sid: "SlackWebhook",
    Effect: "Allow",
    Action: ["secretsmanager:GetSecretValue"],
    Resource: secretArn,
  };
}
