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

/**
 * Written into `taskdef.json` by a promotion only (`greenlight promote`): where the release comes
 * from. The live hook copies them into the release record; the service does not read them.
 */
export const PromotionEnv = {
  /** The environment the release was promoted from. */
  from: "GREENLIGHT_PROMOTED_FROM",
  /** The deployment that made it live there (`d-…`). */
  deployment: "GREENLIGHT_PROMOTED_DEPLOYMENT",
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

/** The length of a short commit id, as git and the forges show it. */
export const SHORT_COMMIT_LENGTH = 7;

/** The short form of a commit id (`a1b2c3d`). */
export function shortCommit(commit: string): string {
  return commit.trim().slice(0, SHORT_COMMIT_LENGTH);
}

/**
 * The web page of a commit, when the repository URL is known: `<repo>/commit/<sha>` for GitHub,
 * GitLab and most forges, `<repo>/commits/<sha>` for Bitbucket. Accepts web URLs, `.git` clone URLs
 * and `git@host:owner/repo.git` SSH addresses. Returns `undefined` when there is no usable URL or the
 * commit is not a hexadecimal id.
 */
export function commitUrl(repositoryUrl: string | undefined, commit: string): string | undefined {
  const sha = commit.trim();
  if (!/^[0-9a-f]{4,64}$/i.test(sha)) return undefined;
  const prefix = commitUrlPrefix(repositoryUrl);
  return prefix === undefined ? undefined : `${prefix}/${sha}`;
}

/**
 * What a commit's page URL starts with, the commit id to be appended after a `/`:
 * `<repo>/commit` for GitHub, GitLab and most forges, `<repo>/commits` for Bitbucket.
 */
export function commitUrlPrefix(repositoryUrl: string | undefined): string | undefined {
  const base = repositoryWebUrl(repositoryUrl ?? "");
  if (base === undefined) return undefined;
  return `${base}/${new URL(base).hostname.includes("bitbucket") ? "commits" : "commit"}`;
}

function repositoryWebUrl(repositoryUrl: string): string | undefined {
  let url = repositoryUrl.trim().replace(/^(?:ssh|git):\/\/(?:[^@/]+@)?/, "https://");
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+)$/.exec(url);
  if (scp !== null) url = `https://${scp[1]}/${scp[2]}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
  const path = parsed.pathname.replace(/\/+$/, "").replace(/\.git$/, "");
  if (path === "") return undefined;
  return `${parsed.protocol}//${parsed.host}${path}`;
}
