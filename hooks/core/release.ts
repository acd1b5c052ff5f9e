/**
 * Knowing what runs where: the release record the live hook writes to SSM Parameter Store when a
 * deployment is declared live (SSM keeps every version of a parameter, so the history is the list
 * of releases), and the stack index the Pulumi program writes, which tells `npm run status` where
 * each service's ECS service, CodeDeploy group and pipeline are.
 */

/** Where a service's live release is recorded: `/greenlight/<env>/<service>/live`. */
export function releaseParameterName(environment: string, service: string): string {
  return `/greenlight/${environment}/${service}/live`;
}

/** Where the Pulumi program writes the stack index: `/greenlight/<env>/stack`. */
export function stackIndexParameterName(environment: string): string {
  return `/greenlight/${environment}/stack`;
}

/** The path prefix of every Greenlight parameter of an environment (for IAM). */
export function parameterPathPrefix(environment: string): string {
  return `/greenlight/${environment}/`;
}

/** One release: what went live, where, by whom, why and when. Stored as JSON. */
export interface ReleaseRecord {
  readonly environment: string;
  readonly service: string;
  readonly version: string;
  /** The image, pinned by digest (`<repository>@sha256:…`). */
  readonly imageUri: string;
  readonly commit: string;
  readonly ref: string;
  readonly refType: "branch" | "tag";
  /** The commit message's first line: the "why". */
  readonly commitMessage: string;
  /** Who: the commit author. */
  readonly author: string;
  /** When it was declared live (ISO 8601). */
  readonly deployedAt: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
  readonly application: string;
  readonly deploymentGroup: string;
  /** How long the deployment took until it was declared live, ms. */
  readonly durationMs?: number;
}

/** One service in the stack index. */
export interface StackIndexService {
  readonly ecsService: string;
  readonly deploymentGroup: string;
  readonly pipeline: string;
  readonly logGroup: string;
  readonly prodUrl: string;
}

/** The stack index: written by the Pulumi program, read by `npm run status`. Stored as JSON. */
export interface StackIndex {
  readonly environment: string;
  readonly region: string;
  readonly cluster: string;
  readonly application: string;
  readonly services: Readonly<Record<string, StackIndexService>>;
}
