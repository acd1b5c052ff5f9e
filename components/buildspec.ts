/**
 * What CodeBuild runs and writes for a service, rendered by the Pulumi program so an application
 * repository carries none of it and it cannot drift from the infrastructure:
 * - `buildspec` — builds the image from the service's folder (reusing layers of the previous image),
 *   tags it with the commit (tags are immutable, never `latest`), pushes it, and writes
 * - `imageDetail.json` — `{"ImageURI": "<repository>@sha256:<digest>"}`,
 * - `taskdef.json` — the service's task definition template with `<IMAGE1_NAME>` and the build
 *   metadata as container environment,
 * - `appspec.yaml` — the CodeDeploy ECS AppSpec with `<TASK_DEFINITION>` and the lifecycle hooks.
 */
import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";
import { stringify } from "yaml";
import { BuildEnv, PromotionEnv } from "../hooks/core/build-metadata";

/** Placeholders the CodeDeployToECS action fills in. */
export const IMAGE_PLACEHOLDER = "<IMAGE1_NAME>";
export const TASK_DEFINITION_PLACEHOLDER = "<TASK_DEFINITION>";

/** The files the build hands to the deploy stage, all in one output artifact. */
export const BUILD_FILES = {
  imageDetail: "imageDetail.json",
  taskDefinition: "taskdef.json",
  appSpec: "appspec.yaml",
} as const;

/** CodeDeploy ECS lifecycle events a hook function can be attached to. */
export type LifecycleEvent =
  | "BeforeInstall"
  | "AfterInstall"
  | "AfterAllowTestTraffic"
  | "BeforeAllowTraffic"
  | "AfterAllowTraffic";

export interface AppSpecArgs {
  readonly containerName: string;
  readonly containerPort: number;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
  /** Lambda functions (names or ARNs) to run at lifecycle events. @default - none */
  readonly hooks?: Partial<Record<LifecycleEvent, string>>;
}

/** The AppSpec document as an object (see renderAppSpec). */
export function appSpec(args: AppSpecArgs) {
  const hooks = Object.entries(args.hooks ?? {})
    .filter(([, fn]) => fn !== undefined && fn !== "")
    .map(([event, fn]) => ({ [event]: fn as string }));
  return {
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: "AWS::ECS::Service",
          Properties: {
            TaskDefinition: TASK_DEFINITION_PLACEHOLDER,
            LoadBalancerInfo: {
              ContainerName: args.containerName,
              ContainerPort: args.containerPort,
            },
            PlatformVersion: "LATEST",
            NetworkConfiguration: {
              AwsvpcConfiguration: {
                Subnets: [...args.subnets],
                SecurityGroups: [...args.securityGroups],
                AssignPublicIp: args.assignPublicIp ? "ENABLED" : "DISABLED",
              },
            },
          },
        },
      },
    ],
    ...(hooks.length > 0 ? { Hooks: hooks } : {}),
  };
}

/** The CodeDeploy ECS AppSpec (`appspec.yaml`). */
export function renderAppSpec(args: AppSpecArgs): string {
  // `version: 0.0` must stay a number with its decimal, as CodeDeploy's examples write it.
  return stringify(appSpec(args), { lineWidth: 0 }).replace(/^version: 0$/m, "version: 0.0");
}

/** The task definition template the build completes: the image left for CodeDeploy to fill in. */
export function renderTaskDefinitionTemplate(input: RegisterTaskDefinitionCommandInput): string {
  const container = input.containerDefinitions?.[0];
  if (!container || container.image !== IMAGE_PLACEHOLDER) {
    throw new Error(`the task definition template's container image must be ${IMAGE_PLACEHOLDER}`);
  }
  return JSON.stringify(input, null, 2);
}

/**
 * The pipeline variable a person sets at the console's "Release change" to deploy a branch or a
 * tag other than the source action's; its default means "what the source action fetched".
 */
export const RELEASE_REF_VARIABLE = "RELEASE_REF";
export const RELEASE_REF_DEFAULT = "source";

/**
 * The pipeline variables of a promotion (`greenlight promote <from> <to>`): the environment the
 * release comes from, its image pinned by digest, the deployment that made it live there, and its
 * build metadata as base64 of JSON (version, commit, ref, refType, commitMessage, author): base64,
 * because CodePipeline does not escape variable values inside the build action's
 * EnvironmentVariables JSON (aws/aws-cdk#8458), and a commit message may hold quotes. Their default,
 * {@link PROMOTE_NONE}, means "not a promotion: build from source".
 */
export const PromoteVariables = {
  from: "PROMOTE_FROM",
  image: "PROMOTE_IMAGE",
  deployment: "PROMOTE_DEPLOYMENT",
  metadata: "PROMOTE_METADATA",
} as const;
export const PROMOTE_NONE = "none";

/** The build environment variable that makes a pipeline accept only promotions. */
export const PROMOTE_ONLY_VARIABLE = "PROMOTE_ONLY";

/** The metadata a promotion carries (`PROMOTE_METADATA`, as base64 of its JSON). */
export interface PromoteMetadata {
  readonly version: string;
  readonly commit: string;
  readonly ref: string;
  readonly refType: "branch" | "tag";
  readonly commitMessage: string;
  readonly author: string;
}

/** An image URI pinned by digest in a private ECR repository (ERE, for bash and JavaScript). */
export const ECR_DIGEST_URI_PATTERN =
  "^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9][a-z0-9._/-]*@sha256:[0-9a-f]{64}$";
export const ECR_DIGEST_URI = new RegExp(ECR_DIGEST_URI_PATTERN);

/**
 * Shell (bash) that works out the build metadata from the checked-out commit and exports it:
 * the version is the first tag at the commit matching one of `$TAG_PATTERNS` (or the tag a person
 * chose), else the short commit. Inputs: `CODEBUILD_RESOLVED_SOURCE_VERSION` (the commit),
 * `SOURCE_BRANCH` and `SOURCE_COMMIT_MESSAGE` (from the source action), `TAG_PATTERNS`
 * (space-separated globs) and `RELEASE_REF` (a branch or tag chosen at "Release change": it is
 * fetched from the repository and checked out first).
 */
export function metadataScript(): string {
  return `# Greenlight build metadata
if [ -n "\${${PromoteVariables.from}:-}" ] && [ "$${PromoteVariables.from}" != "${PROMOTE_NONE}" ]; then
${promoteMetadataScript()}elif [ "\${${PROMOTE_ONLY_VARIABLE}:-false}" = "true" ]; then
  echo "Greenlight: this pipeline accepts only promotions (pipeline.promoteOnly): run greenlight promote <from-env> <to-env> <service>" >&2
  exit 1
else
${sourceMetadataScript()}fi
`;
}

/**
 * A promotion's metadata: the release's own (from `PROMOTE_METADATA`), no checkout; the image
 * and the environment and deployment it comes from are checked before anything uses them.
 */
function promoteMetadataScript(): string {
  const v = PromoteVariables;
  const field = (name: string, key: string, required = false) =>
    `${name}="$(jq -${required ? "e" : ""}r '.${key}${required ? "" : ' // ""'} | strings' <<<"$PROMOTE_RELEASE")"`;
  return `  echo "Greenlight: promoting from $${v.from} (deployment \${${v.deployment}:-unknown}): no build"
  if ! [[ "$${v.from}" =~ ^[A-Za-z0-9_.-]+$ ]]; then echo "Greenlight: ${v.from} is not an environment name" >&2; exit 1; fi
  PROMOTE_IMAGE_PATTERN='${ECR_DIGEST_URI_PATTERN}'
  if ! [[ "\${${v.image}:-}" =~ $PROMOTE_IMAGE_PATTERN ]]; then
    echo "Greenlight: ${v.image} must be an ECR image pinned by digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>)" >&2; exit 1
  fi
  PROMOTE_RELEASE=""
  if [[ "\${${v.metadata}:-}" =~ ^[A-Za-z0-9+/]+=*$ ]]; then
    PROMOTE_RELEASE="$(printf '%s' "$${v.metadata}" | base64 -d 2>/dev/null || true)"
  fi
  if ! jq -e 'type == "object" and (.version | type == "string" and length > 0)' <<<"$PROMOTE_RELEASE" >/dev/null 2>&1; then
    echo "Greenlight: ${v.metadata} must be the release's metadata, JSON in base64, with a version" >&2; exit 1
  fi
  ${field("GREENLIGHT_VERSION", "version", true)}
  ${field("GREENLIGHT_COMMIT", "commit")}
  ${field("GREENLIGHT_REF", "ref")}
  GREENLIGHT_REF_TYPE="$(jq -r 'if .refType == "tag" then "tag" else "branch" end' <<<"$PROMOTE_RELEASE")"
  ${field("GREENLIGHT_COMMIT_MESSAGE", "commitMessage")}
  ${field("GREENLIGHT_AUTHOR", "author")}
  GREENLIGHT_PROMOTED_FROM="$${v.from}"
  GREENLIGHT_PROMOTED_DEPLOYMENT="\${${v.deployment}:-}"
  if [ "$GREENLIGHT_PROMOTED_DEPLOYMENT" = "${PROMOTE_NONE}" ]; then GREENLIGHT_PROMOTED_DEPLOYMENT=""; fi
  IMAGE_TAG="git-\${GREENLIGHT_COMMIT:0:12}"
  if [ -z "$GREENLIGHT_COMMIT" ]; then IMAGE_TAG="promoted-\${${v.image}##*sha256:}"; IMAGE_TAG="\${IMAGE_TAG:0:21}"; fi
  export GREENLIGHT_COMMIT GREENLIGHT_REF_TYPE GREENLIGHT_REF GREENLIGHT_VERSION GREENLIGHT_COMMIT_MESSAGE GREENLIGHT_AUTHOR IMAGE_TAG
  export GREENLIGHT_PROMOTED_FROM GREENLIGHT_PROMOTED_DEPLOYMENT
  echo "Greenlight: version $GREENLIGHT_VERSION ($GREENLIGHT_REF_TYPE $GREENLIGHT_REF, commit $GREENLIGHT_COMMIT), image $${v.image}"
`;
}

/** A build from source: the checked-out commit (or the branch or tag chosen at Release change). */
function sourceMetadataScript(): string {
  return `if [ -n "\${RELEASE_REF:-}" ] && [ "$RELEASE_REF" != "${RELEASE_REF_DEFAULT}" ]; then
  echo "Greenlight: releasing $RELEASE_REF, chosen at Release change"
  git fetch --quiet --tags origin "$RELEASE_REF"
  git checkout --quiet --force FETCH_HEAD
  CODEBUILD_RESOLVED_SOURCE_VERSION="$(git rev-parse HEAD)"
  SOURCE_BRANCH="$RELEASE_REF"
fi
GREENLIGHT_COMMIT="\${CODEBUILD_RESOLVED_SOURCE_VERSION:-$(git rev-parse HEAD)}"
GREENLIGHT_REF_TYPE=branch
GREENLIGHT_REF="\${SOURCE_BRANCH:-$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)}"
GREENLIGHT_VERSION="\${GREENLIGHT_COMMIT:0:7}"
set -f  # the patterns are globs for [[ == ]], not for file names
for tag in $(git tag --points-at "$GREENLIGHT_COMMIT" 2>/dev/null | sort -rV); do
  for pattern in \${TAG_PATTERNS:-}; do
    if [[ "$tag" == $pattern || "$tag" == "\${RELEASE_REF:-}" ]]; then
      GREENLIGHT_REF_TYPE=tag; GREENLIGHT_REF="$tag"; GREENLIGHT_VERSION="$tag"
      break 2
    fi
  done
done
set +f
GREENLIGHT_COMMIT_MESSAGE="$(git log -1 --format=%s "$GREENLIGHT_COMMIT" 2>/dev/null || true)"
if [ -z "$GREENLIGHT_COMMIT_MESSAGE" ]; then
  GREENLIGHT_COMMIT_MESSAGE="$(printf '%s\\n' "\${SOURCE_COMMIT_MESSAGE:-}" | head -n 1)"
fi
GREENLIGHT_AUTHOR="$(git log -1 --format=%an "$GREENLIGHT_COMMIT" 2>/dev/null || true)"
# Images are tagged with the commit: immutable, and the same commit reuses its image.
IMAGE_TAG="git-\${GREENLIGHT_COMMIT:0:12}"
export GREENLIGHT_COMMIT GREENLIGHT_REF_TYPE GREENLIGHT_REF GREENLIGHT_VERSION GREENLIGHT_COMMIT_MESSAGE GREENLIGHT_AUTHOR IMAGE_TAG
echo "Greenlight: version $GREENLIGHT_VERSION ($GREENLIGHT_REF_TYPE $GREENLIGHT_REF, commit $GREENLIGHT_COMMIT)"
`;
}

/**
 * Shell (bash, jq) that writes `imageDetail.json` from `$IMAGE_URI` and `taskdef.json` from
 * `taskdef.template.json` plus the exported build metadata.
 */
export function artifactsScript(): string {
  const fields = [
    ["version", "version"],
    ["commit", "commit"],
    ["ref", "ref"],
    ["refType", "refType"],
    ["commitMessage", "message"],
    ["author", "author"],
  ] as const;
  const names = JSON.stringify([
    ...fields.map(([key]) => BuildEnv[key]),
    PromotionEnv.from,
    PromotionEnv.deployment,
  ]);
  const entries = fields
    .map(([key, arg]) => `{name: "${BuildEnv[key]}", value: $${arg}}`)
    .join(", ");
  // A promotion also records where the release comes from.
  const promoted =
    `(if $promotedFrom == "" then [] else [{name: "${PromotionEnv.from}", value: $promotedFrom}, ` +
    `{name: "${PromotionEnv.deployment}", value: $promotedDeployment}] end)`;
  return `# Greenlight deploy artifacts (only after a successful build)
if [ "\${CODEBUILD_BUILD_SUCCEEDING:-1}" != "1" ]; then exit 1; fi
jq -n --arg uri "$IMAGE_URI" '{ImageURI: $uri}' > ${BUILD_FILES.imageDetail}
jq --arg version "$GREENLIGHT_VERSION" --arg commit "$GREENLIGHT_COMMIT" --arg ref "$GREENLIGHT_REF" \\
   --arg refType "$GREENLIGHT_REF_TYPE" --arg message "$GREENLIGHT_COMMIT_MESSAGE" --arg author "$GREENLIGHT_AUTHOR" \\
   --arg promotedFrom "\${GREENLIGHT_PROMOTED_FROM:-}" --arg promotedDeployment "\${GREENLIGHT_PROMOTED_DEPLOYMENT:-}" \\
  '.containerDefinitions[0].environment = (((.containerDefinitions[0].environment // [])
     | map(select(.name as $n | ${names} | index($n) | not))) + [${entries}] + ${promoted} | sort_by(.name))' \\
  taskdef.template.json > ${BUILD_FILES.taskDefinition}
echo "Greenlight: wrote ${BUILD_FILES.imageDetail}, ${BUILD_FILES.taskDefinition} and ${BUILD_FILES.appSpec} for $IMAGE_URI"
`;
}

/**
 * Shell that builds and pushes the image unless the commit's image already exists, then pins
 * `IMAGE_URI` by digest. BuildKit's inline cache and `--cache-from` the newest image in the
 * repository reuse unchanged layers; CodeBuild's local Docker layer cache helps on warm hosts.
 */
export function imageScript(): string {
  return `# Greenlight image
REGISTRY="\${REPOSITORY_URI%%/*}"
REPOSITORY_NAME="\${REPOSITORY_URI#*/}"
aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$REGISTRY"
if [ -n "\${GREENLIGHT_PROMOTED_FROM:-}" ]; then
${promoteImageScript()}else
${buildImageScript()}fi
IMAGE_URI="$REPOSITORY_URI@$DIGEST"
export IMAGE_URI
`;
}

/** Builds and pushes the commit's image unless it is already there; sets `DIGEST`. */
function buildImageScript(): string {
  return `if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" >/dev/null 2>&1; then
  echo "Greenlight: $IMAGE_TAG is already in ECR (tags are immutable): reusing it"
else
  CACHE_TAG="$(aws ecr describe-images --repository-name "$REPOSITORY_NAME" --filter tagStatus=TAGGED \\
    --query 'sort_by(imageDetails,&imagePushedAt)[-1].imageTags[0]' --output text 2>/dev/null || true)"
  CACHE_ARGS=()
  if [ -n "$CACHE_TAG" ] && [ "$CACHE_TAG" != "None" ]; then CACHE_ARGS=(--cache-from "$REPOSITORY_URI:$CACHE_TAG"); fi
  docker build "\${CACHE_ARGS[@]}" --build-arg BUILDKIT_INLINE_CACHE=1 \\
    --label "org.opencontainers.image.revision=$GREENLIGHT_COMMIT" \\
    --label "org.opencontainers.image.version=$GREENLIGHT_VERSION" \\
    -f "$DOCKERFILE" -t "$REPOSITORY_URI:$IMAGE_TAG" "$BUILD_CONTEXT"
  docker push "$REPOSITORY_URI:$IMAGE_TAG"
fi
DIGEST="$(aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" \\
  --query 'imageDetails[0].imageDigest' --output text)"
`;
}

/**
 * A promotion: no build. The promoted image is copied by digest from the repository it was live
 * from into this environment's own repository (pull by digest, push; the pull needs that
 * repository's permission, see README "Promotion"), unless the digest is already here; the
 * copy must keep the digest, or the build fails. Sets `DIGEST`.
 */
function promoteImageScript(): string {
  const image = PromoteVariables.image;
  return `  PROMOTE_DIGEST="\${${image}##*@}"
  if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageDigest="$PROMOTE_DIGEST" >/dev/null 2>&1; then
    echo "Greenlight: $PROMOTE_DIGEST is already in $REPOSITORY_NAME: nothing to copy"
  else
    SOURCE_REGISTRY="\${${image}%%/*}"
    SOURCE_REGION="$(cut -d. -f4 <<<"$SOURCE_REGISTRY")"
    if [ "$SOURCE_REGISTRY" != "$REGISTRY" ]; then
      aws ecr get-login-password --region "$SOURCE_REGION" | docker login --username AWS --password-stdin "$SOURCE_REGISTRY"
    fi
    docker pull "$${image}"
    # Tags are immutable: when this environment built the same commit itself, tag by digest.
    if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$IMAGE_TAG" >/dev/null 2>&1; then
      IMAGE_TAG="promoted-\${PROMOTE_DIGEST#sha256:}"; IMAGE_TAG="\${IMAGE_TAG:0:21}"
    fi
    docker tag "$${image}" "$REPOSITORY_URI:$IMAGE_TAG"
    docker push "$REPOSITORY_URI:$IMAGE_TAG"
  fi
  DIGEST="$(aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageDigest="$PROMOTE_DIGEST" \\
    --query 'imageDetails[0].imageDigest' --output text 2>/dev/null || true)"
  if [ "$DIGEST" != "$PROMOTE_DIGEST" ]; then
    echo "Greenlight: the copy of $${image} in $REPOSITORY_NAME does not have digest $PROMOTE_DIGEST; refusing to deploy other bytes" >&2
    exit 1
  fi
  echo "Greenlight: $REPOSITORY_URI@$DIGEST is the image live in $GREENLIGHT_PROMOTED_FROM"
`;
}

export interface BuildspecArgs {
  readonly repositoryUri: string;
  readonly dockerfile: string;
  readonly buildContext: string;
  /** Tag globs whose builds take the tag as their version. */
  readonly tagPatterns: readonly string[];
  /** The rendered task definition template (JSON). */
  readonly taskDefinitionTemplate: string;
  /** The rendered AppSpec (YAML). */
  readonly appSpec: string;
}

/** The CodeBuild buildspec (version 0.2), inline in the project. */
export function renderBuildspec(args: BuildspecArgs): string {
  const heredoc = (file: string, body: string) =>
    `cat > ${file} <<'GREENLIGHT_EOF'\n${body.trimEnd()}\nGREENLIGHT_EOF\n`;
  const spec = {
    version: 0.2,
    env: {
      shell: "bash",
      // Lets the build fetch a branch or tag chosen at "Release change" through the connection.
      "git-credential-helper": "yes",
      variables: {
        REPOSITORY_URI: args.repositoryUri,
        DOCKERFILE: args.dockerfile,
        BUILD_CONTEXT: args.buildContext,
        TAG_PATTERNS: args.tagPatterns.join(" "),
        DOCKER_BUILDKIT: "1",
      },
      "exported-variables": [
        "GREENLIGHT_VERSION",
        "GREENLIGHT_REF",
        "GREENLIGHT_COMMIT",
        "IMAGE_URI",
      ],
    },
    phases: {
      pre_build: {
        "on-failure": "ABORT",
        commands: [
          heredoc("taskdef.template.json", args.taskDefinitionTemplate),
          heredoc(BUILD_FILES.appSpec, args.appSpec),
          metadataScript(),
        ],
      },
      build: { "on-failure": "ABORT", commands: [imageScript()] },
      post_build: { commands: [artifactsScript()] },
    },
    artifacts: {
      files: [BUILD_FILES.imageDetail, BUILD_FILES.taskDefinition, BUILD_FILES.appSpec],
      "discard-paths": "yes",
    },
  };
  return stringify(spec, { lineWidth: 0 });
}

/** Terminal states of an Amazon ECS service deployment, and the one that means success. */
export const ECS_DEPLOYMENT_SUCCEEDED = "SUCCESSFUL";
export const ECS_DEPLOYMENT_FAILED = ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"] as const;

/**
 * Shell (bash, jq, AWS CLI v2) of the ecs engine's deploy step: puts the image pinned by
 * `imageDetail.json` into `taskdef.json` (the template's `<IMAGE1_NAME>`), registers that task
 * definition, starts the native blue/green deployment with `UpdateService` (the task definition
 * and the network, which only a deployment changes), finds the service deployment it started
 * (the service's `currentServiceDeployment` once it differs from the one before), then polls
 * `DescribeServiceDeployments` every `$POLL_SECONDS` until it ends: exit 0 on SUCCESSFUL (traffic
 * shifted, the hook passed, the bake time over), 1 on a rollback, a stop or `$DEPLOY_TIMEOUT_SECONDS`.
 */
export function ecsDeployScript(): string {
  return `set -euo pipefail
IMAGE_URI="$(jq -er '.ImageURI' ${BUILD_FILES.imageDetail})"
jq --arg image "$IMAGE_URI" '(.containerDefinitions[] | select(.image == "${IMAGE_PLACEHOLDER}") | .image) = $image' \\
  ${BUILD_FILES.taskDefinition} > taskdef.rendered.json
if grep -q '${IMAGE_PLACEHOLDER}' taskdef.rendered.json; then echo "Greenlight: ${IMAGE_PLACEHOLDER} left in the task definition" >&2; exit 1; fi
TASK_DEFINITION_ARN="$(aws ecs register-task-definition --cli-input-json file://taskdef.rendered.json \\
  --query 'taskDefinition.taskDefinitionArn' --output text)"
echo "Greenlight: registered $TASK_DEFINITION_ARN ($IMAGE_URI)"
current_deployment() {
  aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$ECS_SERVICE" \\
    --query 'services[0].currentServiceDeployment' --output text
}
PREVIOUS="$(current_deployment)"
aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" \\
  --task-definition "$TASK_DEFINITION_ARN" --network-configuration "$NETWORK_CONFIGURATION" \\
  --platform-version LATEST > /dev/null
DEPLOYMENT=""
for _ in $(seq 1 "$FIND_ATTEMPTS"); do
  CURRENT="$(current_deployment)"
  if [ -n "$CURRENT" ] && [ "$CURRENT" != "None" ] && [ "$CURRENT" != "$PREVIOUS" ]; then
    DEPLOYMENT="$CURRENT"
    break
  fi
  sleep "$POLL_SECONDS"
done
if [ -z "$DEPLOYMENT" ]; then
  echo "Greenlight: Amazon ECS started no deployment of $ECS_SERVICE for $TASK_DEFINITION_ARN" >&2
  exit 1
fi
echo "Greenlight: deployment $DEPLOYMENT started"
DEADLINE=$(( $(date +%s) + DEPLOY_TIMEOUT_SECONDS ))
LAST=""
while :; do
  STATE="$(aws ecs describe-service-deployments --service-deployment-arns "$DEPLOYMENT" \\
    --query 'serviceDeployments[0].[status,lifecycleStage,statusReason]' --output text)"
  STATUS="$(cut -f1 <<< "$STATE")"
  if [ "$STATE" != "$LAST" ]; then echo "Greenlight: $STATE" | tr '\\t' ' '; LAST="$STATE"; fi
  case "$STATUS" in
    ${ECS_DEPLOYMENT_SUCCEEDED}) echo "Greenlight: $ECS_SERVICE deployed"; exit 0 ;;
    ${ECS_DEPLOYMENT_FAILED.join("|")})
      echo "Greenlight: $ECS_SERVICE was not deployed: $STATUS" >&2; exit 1 ;;
  esac
  if [ "$(date +%s)" -ge "$DEADLINE" ]; then
    echo "Greenlight: $DEPLOYMENT still $STATUS after $DEPLOY_TIMEOUT_SECONDS s; Amazon ECS carries on, see the console" >&2
    exit 1
  fi
  sleep "$POLL_SECONDS"
done
`;
}

export interface EcsDeployBuildspecArgs {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
  /** Seconds between polls. */
  readonly pollSeconds: number;
  /** How long to wait for the deployment to end (shift, hook, bake time). */
  readonly timeoutSeconds: number;
}

/** The ecs engine's deploy step as a buildspec: its input is the build's artifact. */
export function renderEcsDeployBuildspec(args: EcsDeployBuildspecArgs): string {
  const network = {
    awsvpcConfiguration: {
      subnets: args.subnets,
      securityGroups: args.securityGroups,
      assignPublicIp: args.assignPublicIp ? "ENABLED" : "DISABLED",
    },
  };
  const spec = {
    version: 0.2,
    env: {
      shell: "bash",
      variables: {
        ECS_CLUSTER: args.clusterName,
        ECS_SERVICE: args.serviceName,
        NETWORK_CONFIGURATION: JSON.stringify(network),
        POLL_SECONDS: String(args.pollSeconds),
        FIND_ATTEMPTS: "20",
        DEPLOY_TIMEOUT_SECONDS: String(args.timeoutSeconds),
      },
    },
    phases: { build: { "on-failure": "ABORT", commands: [ecsDeployScript()] } },
  };
  return stringify(spec, { lineWidth: 0 });
}
