/**
 * The build metadata contract shared by the pipeline (which writes it into `taskdef.json` as
 * container environment), the service (which answers it on `/version`) and the live hook (which
 * reads the expected version from the task definition and compares it with what `/version` says).
 */

/** Container environment variable names, as written into the task definition. */
export const BuildEnv = {
  /** The release version: the git tag when the build is for a tag, else the short commit. */
  version: "GREENLIGHT_VERSION",
  /** The full commit id. */
  commit: "GREENLIGHT_COMMIT",
  /** The branch or tag name the build came from. */
  ref: "GREENLIGHT_REF",
  /** `branch` or `tag`. */
  refType: "GREENLIGHT_REF_TYPE",
  /** The first line of the commit message. */
  commitMessage: "GREENLIGHT_COMMIT_MESSAGE",
  /** The commit author, when the source provides it (may be empty). */
  author: "GREENLIGHT_AUTHOR",
  /** Static, from the stack: the Greenlight service name. */
  service: "GREENLIGHT_SERVICE",
  /** Static, from the stack: the environment (`dev`, `staging`, `prod`). */
  environment: "GREENLIGHT_ENVIRONMENT",
  /** Static, from the stack: the path that answers the version JSON (e.g. `/version`). */
  versionPath: "GREENLIGHT_VERSION_PATH",
  /** Static, from the stack: the repository's web URL, for commit links (may be empty). */
  repositoryUrl: "GREENLIGHT_REPOSITORY_URL",
} as const;

export type RefType = "branch" | "tag";

/** What a build says about itself. */
export interface BuildMetadata {
  readonly version: string;
  readonly commit: string;
  readonly ref: string;
  readonly refType: RefType;
  readonly commitMessage: string;
  readonly author: string;
}

/**
 * The JSON body a Greenlight service answers on its version path. Only `version` is required by
 * the live check; the rest is shown to people.
 */
export interface VersionDocument extends Partial<BuildMetadata> {
  readonly version: string;
  readonly service?: string;
  readonly environment?: string;
  readonly startedAt?: string;
}

/** Reads build metadata from a task definition's (or a process's) environment. */
export function buildMetadataFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): BuildMetadata {
  const refType = env[BuildEnv.refType] === "tag" ? "tag" : "branch";
  return {
    version: env[BuildEnv.version] ?? "",
    commit: env[BuildEnv.commit] ?? "",
    ref: env[BuildEnv.ref] ?? "",
    refType,
    commitMessage: env[BuildEnv.commitMessage] ?? "",
    author: env[BuildEnv.author] ?? "",
  };
}
