/**
 * Stored data: S3 buckets are encrypted and private, ECR images are scanned and immutable, logs
 * expire.
 */
import * as aws from "@pulumi/aws";
import {
  validateResourceOfType,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { describe, pointsAt, StackView, type StackResource } from "../lib/stack";
import { TYPES } from "../lib/types";
import { at, identifiers, isUnknown, list, num, resolveProps, text } from "../lib/values";

/** The four settings of a `BucketPublicAccessBlock`, all of which must be true. */
export const PUBLIC_ACCESS_BLOCK_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

/**
 * The resources of `types` that configure `bucket` (through their `bucket` property): `found`
 * those that do, `open` whether an unknown value might hide one more.
 */
function configurationsOf(
  view: StackView,
  bucket: StackResource,
  types: readonly string[],
): { found: StackResource[]; open: boolean } {
  const ids = identifiers(bucket.props.id, bucket.props.bucket);
  const found: StackResource[] = [];
  let open = false;
  for (const config of view.ofType(...types)) {
    const match = pointsAt(config, "bucket", bucket, ids);
    if (match === true) found.push(config);
    if (match === undefined) open = true;
  }
  return { found, open };
}

/**
 * Every S3 bucket has default encryption and a public access block with all four flags on.
 */
export const bucketsEncryptedAndPrivate: StackValidationPolicy = {
  name: "greenlight-s3-encrypted-private",
  description:
    "Every S3 bucket needs a BucketServerSideEncryptionConfiguration and a " +
    "BucketPublicAccessBlock with all four flags true: pipeline artifacts carry source code " +
    "and build output, which must never become public or sit unencrypted.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    for (const bucket of view.ofType(TYPES.bucket, TYPES.bucketV2)) {
      const encryption = configurationsOf(view, bucket, [
        TYPES.bucketEncryption,
        TYPES.bucketEncryptionV2,
      ]);
      if (encryption.found.length === 0 && !encryption.open) {
        reportViolation(
          `${describe(bucket)} has no BucketServerSideEncryptionConfiguration. Add one with ` +
            `bucket: <the bucket>.id and rules: [{ applyServerSideEncryptionByDefault: ` +
            `{ sseAlgorithm: "AES256" } }] (or "aws:kms").`,
          bucket.urn,
        );
      }
      for (const config of encryption.found) {
        const rules = config.props.rules;
        if (isUnknown(rules)) continue;
        const algorithms = (list(rules) ?? []).map((r) =>
          at(r, "applyServerSideEncryptionByDefault", "sseAlgorithm"),
        );
        if (!algorithms.some((a) => isUnknown(a) || (typeof a === "string" && a !== ""))) {
          reportViolation(
            `${describe(config)} (for ${describe(bucket)}) sets no default algorithm. Give a rule ` +
              `applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } (or "aws:kms").`,
            config.urn,
          );
        }
      }

      const blocks = configurationsOf(view, bucket, [TYPES.bucketPublicAccessBlock]);
      if (blocks.found.length === 0 && !blocks.open) {
        reportViolation(
          `${describe(bucket)} has no BucketPublicAccessBlock. Add one with bucket: <the ` +
            `bucket>.id and ${PUBLIC_ACCESS_BLOCK_FLAGS.map((f) => `${f}: true`).join(", ")}.`,
          bucket.urn,
        );
      }
      for (const block of blocks.found) {
        const off = PUBLIC_ACCESS_BLOCK_FLAGS.filter((flag) => {
          const value = block.props[flag];
          return !isUnknown(value) && value !== true;
        });
        if (off.length > 0) {
          reportViolation(
            `${describe(block)} (for ${describe(bucket)}) leaves ${off.join(", ")} off. ` +
              `Set all four to true: ${PUBLIC_ACCESS_BLOCK_FLAGS.join(", ")}.`,
            block.urn,
          );
        }
      }
    }
  },
};

/**
 * ECR repositories scan every pushed image and never let a tag move.
 */
export const ecrScanAndImmutableTags: ResourceValidationPolicy = {
  name: "greenlight-ecr-scan-immutable",
  description:
    "ECR repositories must scan images on push and keep tags IMMUTABLE: a commit's tag must " +
    "always name the image that was built, tested and approved, and known vulnerabilities " +
    "must show up before the image is deployed.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.ecr.Repository, (_repo, args, reportViolation) => {
    const props = resolveProps(args.props);
    const scan = at(props, "imageScanningConfiguration", "scanOnPush");
    if (!isUnknown(scan) && scan !== true) {
      reportViolation(
        `${describe(args)} does not scan images on push. Set ` +
          `imageScanningConfiguration: { scanOnPush: true }.`,
      );
    }
    const mutability = props.imageTagMutability;
    if (!isUnknown(mutability) && mutability !== "IMMUTABLE") {
      reportViolation(
        `${describe(args)} has imageTagMutability ${JSON.stringify(mutability ?? "MUTABLE")}. ` +
          `Set imageTagMutability: "IMMUTABLE" so a pushed tag always names the same image.`,
      );
    }
  }),
};

/**
 * Every CloudWatch log group expires its events.
 */
export const logRetention: ResourceValidationPolicy = {
  name: "greenlight-log-retention",
  description:
    "Every CloudWatch log group must set retentionInDays (> 0): without it logs are kept, and " +
    "billed, forever, along with whatever personal data they hold.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    aws.cloudwatch.LogGroup,
    (_group, args, reportViolation) => {
      const props = resolveProps(args.props);
      const days = props.retentionInDays;
      if (isUnknown(days)) return;
      const value = num(days);
      if (value === undefined || value <= 0) {
        const name = text(props.name);
        reportViolation(
          `${describe(args)}${name ? ` (${name})` : ""} has no retention ` +
            `(retentionInDays is ${JSON.stringify(days ?? null)}). Set retentionInDays to one ` +
            `of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, ..., 3653); Greenlight uses ` +
            `greenlight:logRetentionDays.`,
        );
      }
    },
  ),
};

/** The storage policies. */
export const storagePolicies = [
  bucketsEncryptedAndPrivate,
  ecrScanAndImmutableTags,
  logRetention,
] as const;
