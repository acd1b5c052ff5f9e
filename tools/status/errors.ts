/**
 * Turning what goes wrong into what to do: missing or expired credentials, a missing permission, a
 * stack that is not deployed, no region. Pure.
 */
import { describeError } from "../../hooks/core/redact";

/** Exit codes of `status`. */
export const StatusExit = {
  /** The status (or history) was shown. */
  ok: 0,
  /** An AWS call failed for another reason. */
  failed: 1,
  /** Bad usage, or credentials, permissions, region or the stack itself are missing. */
  setup: 2,
} as const;

/** The IAM actions `status` calls. */
export const STATUS_ACTIONS = [
  "ssm:GetParameter",
  "ssm:GetParameterHistory",
  "codedeploy:ListDeployments",
  "codedeploy:GetDeployment",
  "codedeploy:ListDeploymentTargets",
  "codedeploy:GetDeploymentTarget",
  "ecs:DescribeServices",
  "ecs:ListServiceDeployments",
  "ecs:DescribeServiceDeployments",
  "ecs:DescribeServiceRevisions",
] as const;

/** An AWS call that failed, with the IAM action it needed. */
export class AwsCallError extends Error {
  constructor(
    /** The IAM action, e.g. `ssm:GetParameter`. */
    readonly action: string,
    readonly error: unknown,
  ) {
    super(`${action} failed: ${describeError(error)}`);
    this.name = "AwsCallError";
  }
}

/** There is no stack index: the stack is not deployed (in this region). */
export class StackIndexMissingError extends Error {
  constructor(readonly parameter: string) {
    super(`no stack index at ${parameter}`);
    this.name = "StackIndexMissingError";
  }
}

/** The stack index is there but cannot be read. */
export class StackIndexUnreadableError extends Error {
  constructor(
    readonly parameter: string,
    problem: string,
  ) {
    super(`the stack index at ${parameter} cannot be read: ${problem}`);
    this.name = "StackIndexUnreadableError";
  }
}

/** What to tell the user, and the exit code. */
export interface Explanation {
  readonly exit: number;
  readonly lines: readonly string[];
}

/** Where the failure happened, for the message. */
export interface FailureContext {
  readonly environment: string;
  /** The region the clients use, when known. */
  readonly region?: string;
  /** The command, for the messages. @default "status" */
  readonly command?: string;
  /** The IAM actions the command calls, for an access denied. @default STATUS_ACTIONS */
  readonly actions?: readonly string[];
}

const CREDENTIAL_ERRORS = new Set(["CredentialsProviderError", "CredentialsError"]);
const REJECTED_CREDENTIAL_ERRORS = new Set([
  "ExpiredTokenException",
  "ExpiredToken",
  "TokenRefreshRequired",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
]);
const ACCESS_DENIED_ERRORS = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "UnauthorizedException",
]);

/** Explains a failure of `status`. Pure. */
export function explainFailure(failure: unknown, context: FailureContext): Explanation {
  const inRegion = context.region === undefined ? "" : ` in ${context.region}`;
  const command = context.command ?? "status";
  const actions = context.actions ?? STATUS_ACTIONS;
  if (failure instanceof StackIndexMissingError) {
    return {
      exit: StatusExit.setup,
      lines: [
        `${command}: no stack index at ${failure.parameter}${inRegion}.`,
        `The ${context.environment} stack may not be deployed yet: run \`pulumi up\` in it ` +
          `(pulumi stack select ${context.environment}). If it is deployed in another region, ` +
          "pass --region <region>.",
      ],
    };
  }
  if (failure instanceof StackIndexUnreadableError) {
    return {
      exit: StatusExit.setup,
      lines: [`${command}: ${failure.message}.`, "Run `pulumi up` in the stack to write it again."],
    };
  }
  const action = failure instanceof AwsCallError ? failure.action : undefined;
  const error = failure instanceof AwsCallError ? failure.error : failure;
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (CREDENTIAL_ERRORS.has(name) || /Could not load credentials/i.test(message)) {
    return {
      exit: StatusExit.setup,
      lines: [
        `${command}: no AWS credentials found (${message}).`,
        "Configure them in one of these ways:",
        "  - a named profile: export AWS_PROFILE=<profile> (profiles live in ~/.aws/config)",
        "  - AWS IAM Identity Center (SSO): aws sso login --profile <profile>, then export AWS_PROFILE=<profile>",
        "  - environment variables: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary credentials)",
      ],
    };
  }
  if (REJECTED_CREDENTIAL_ERRORS.has(name) || /(token|session).*(expired|invalid)/i.test(message)) {
    return {
      exit: StatusExit.setup,
      lines: [
        `${command}: AWS rejected the credentials (${name === "" ? message : `${name}: ${message}`}).`,
        "Refresh them: aws sso login --profile <profile> for SSO, or set new keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.",
      ],
    };
  }
  if (/Region is missing/i.test(message)) {
    return {
      exit: StatusExit.setup,
      lines: [
        `${command}: no AWS region: pass --region <region>, set aws:region in Pulumi.${context.environment}.yaml, set AWS_REGION, or set a region in your profile.`,
      ],
    };
  }
  if (ACCESS_DENIED_ERRORS.has(name) || /not authorized to perform/i.test(message)) {
    const denied =
      /perform:\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1] ?? action ?? "(unknown)";
    const who = /User:\s*(\S+)\s+is not authorized/.exec(message)?.[1];
    const resource = /on resource:\s*(\S+)/.exec(message)?.[1];
    return {
      exit: StatusExit.setup,
      lines: [
        `${command}: access denied: ${who ?? "your credentials"} may not call ${denied}` +
          `${resource === undefined ? "" : ` on ${resource}`}.`,
        `Ask for ${denied}. \`greenlight ${command}\` needs: ${actions.join(", ")}.`,
      ],
    };
  }
  return {
    exit: StatusExit.failed,
    lines: [
      `${command}: ${action === undefined ? "" : `${action} failed: `}${describeError(error)}`,
    ],
  };
}
