/**
 * Where a service's secrets come from, as ECS and IAM name them: the container's `valueFrom` and
 * the execution role's statements, derived from the same references so they always agree.
 */
import type { Statement } from "./iam";
import type { SecretSource, ServiceSecret } from "./config";

/** The ARN partition of a region: `aws`, `aws-cn` (China) or `aws-us-gov` (GovCloud). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Where the stack runs: the region and account that names without an ARN belong to. */
export interface SecretScope {
  readonly region: string;
  readonly accountId: string;
}

/**
 * The secret's ARN as written, or a partial ARN (no random suffix) for a secret given by name in
 * the stack's region and account — the form ECS and Secrets Manager resolve by name.
 */
function secretArn(secret: string, scope: SecretScope): string {
  return secret.startsWith("arn:")
    ? secret
    : `arn:${partitionOf(scope.region)}:secretsmanager:${scope.region}:${scope.accountId}:secret:${secret}`;
}

function parameterArn(parameter: string, scope: SecretScope): string {
  if (parameter.startsWith("arn:")) return parameter;
  const path = parameter.startsWith("/") ? parameter : `/${parameter}`;
  return `arn:${partitionOf(scope.region)}:ssm:${scope.region}:${scope.accountId}:parameter${path}`;
}

/**
 * A container secret's `valueFrom`: always an ARN, so it never depends on where the task runs.
 * A JSON key becomes `<secret ARN>:<json-key>::` (the version stage and id left to AWSCURRENT).
 */
export function secretValueFrom(source: SecretSource, scope: SecretScope): string {
  if (source.kind === "ssm") return parameterArn(source.parameter, scope);
  const arn = secretArn(source.secret, scope);
  return source.jsonKey === undefined ? arn : `${arn}:${source.jsonKey}::`;
}

/** The complete ARN ends with a dash and Secrets Manager's 6 random characters. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * The IAM resources that cover one Secrets Manager secret. A name (or a partial ARN) becomes
 * `<arn>-??????`: the complete ARN carries a random 6-character suffix, and `?` matches exactly
 * one character, so the grant covers that secret and not `<name>-other`. A complete ARN is granted
 * as written, together with the suffixed form in case what looks like a suffix is part of the name.
 */
export function secretResources(secret: string, scope: SecretScope): string[] {
  const arn = secretArn(secret, scope);
  if (secret.startsWith("arn:") && RANDOM_SUFFIX.test(arn)) return [arn, `${arn}-??????`];
  return [`${arn}-??????`];
}

/**
 * The execution role's statements that let ECS read exactly these secrets and parameters when a
 * task starts, and decrypt them with a customer managed key when one is given.
 */
export function secretStatements(
  secrets: readonly ServiceSecret[],
  scope: SecretScope,
  kmsKeyArn?: string,
): Statement[] {
  const unique = (xs: string[]) => [...new Set(xs)].sort();
  const fromSecretsManager = unique(
    secrets.flatMap((s) =>
      s.source.kind === "secretsManager" ? secretResources(s.source.secret, scope) : [],
    ),
  );
  const fromSsm = unique(
    secrets.flatMap((s) =>
      s.source.kind === "ssm" ? [parameterArn(s.source.parameter, scope)] : [],
    ),
  );
  const statements: Statement[] = [];
  if (fromSecretsManager.length > 0) {
    statements.push({
      Sid: "ReadSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: fromSecretsManager,
    });
  }
  if (fromSsm.length > 0) {
    statements.push({
      Sid: "ReadParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameters"],
      Resource: fromSsm,
    });
  }
  if (kmsKeyArn !== undefined && secrets.length > 0) {
    statements.push({
      Sid: "DecryptSecrets",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [kmsKeyArn],
    });
  }
  return statements;
}
