import { strict as assert } from "assert";
import { TYPES } from "../../policy/lib/types";
import {
  bucketsEncryptedAndPrivate,
  ecrScanAndImmutableTags,
  logRetention,
} from "../../policy/policies/storage";
import { messages, UNKNOWN_STRING, validate, type FakeResource } from "./fakes";

const FLAGS_ON = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};

/** A bucket as the mocks report it: its id is `<name>-id`, its physical name generated. */
function bucket(name: string, outputs: Record<string, unknown> = {}): FakeResource {
  return {
    type: TYPES.bucket,
    name,
    props: {},
    outputs: { id: `${name}-id`, bucket: `${name}-0a1b2c3`, ...outputs },
  };
}

function encryption(name: string, bucketRef: unknown, algorithm: unknown = "AES256"): FakeResource {
  return {
    type: TYPES.bucketEncryption,
    name,
    props: { bucket: bucketRef },
    outputs: {
      bucket: bucketRef,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: algorithm } }],
    },
  };
}

function publicAccessBlock(
  name: string,
  bucketRef: unknown,
  flags: Record<string, unknown> = FLAGS_ON,
): FakeResource {
  return {
    type: TYPES.bucketPublicAccessBlock,
    name,
    props: { bucket: bucketRef, ...flags },
    outputs: { bucket: bucketRef, ...flags },
  };
}

describe("storage policies", () => {
  describe("greenlight-s3-encrypted-private", () => {
    const check = (resources: FakeResource[]) => validate([bucketsEncryptedAndPrivate], resources);

    it("passes a bucket with default encryption and all four public access flags, matched by id or name", async () => {
      assert.deepEqual(
        await check([
          bucket("artifacts"),
          encryption("artifacts", "artifacts-id"),
          publicAccessBlock("artifacts", "artifacts-0a1b2c3"),
        ]),
        [],
      );
    });

    it("fails a bucket with neither, on the bucket, saying what to add", async () => {
      const found = await check([
        bucket("artifacts"),
        bucket("other"),
        encryption("other", "other-id"),
        publicAccessBlock("other", "other-id"),
      ]);
      assert.deepEqual(messages(found), [
        'Bucket "artifacts" has no BucketServerSideEncryptionConfiguration. Add one with bucket: ' +
          '<the bucket>.id and rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] (or "aws:kms").',
        'Bucket "artifacts" has no BucketPublicAccessBlock. Add one with bucket: <the bucket>.id ' +
          "and blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true.",
      ]);
      assert.ok(found.every((v) => v.urn.endsWith("::artifacts")));
    });

    it("fails a public access block that leaves flags off, and an encryption without an algorithm", async () => {
      const found = messages(
        await check([
          bucket("artifacts"),
          encryption("artifacts", "artifacts-id", ""),
          publicAccessBlock("artifacts", "artifacts-id", {
            ...FLAGS_ON,
            blockPublicPolicy: false,
            restrictPublicBuckets: undefined,
          }),
        ]),
      );
      assert.deepEqual(found, [
        'BucketServerSideEncryptionConfiguration "artifacts" (for Bucket "artifacts") sets no ' +
          'default algorithm. Give a rule applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } (or "aws:kms").',
        'BucketPublicAccessBlock "artifacts" (for Bucket "artifacts") leaves blockPublicPolicy, ' +
          "restrictPublicBuckets off. Set all four to true: blockPublicAcls, blockPublicPolicy, " +
          "ignorePublicAcls, restrictPublicBuckets.",
      ]);
    });

    it("raises no false violation in a preview, where the bucket's id and the references are unknown", async () => {
      const unknownBucket = bucket("artifacts", { id: UNKNOWN_STRING, bucket: UNKNOWN_STRING });
      assert.deepEqual(
        await check([
          unknownBucket,
          encryption("artifacts", UNKNOWN_STRING),
          publicAccessBlock("artifacts", UNKNOWN_STRING),
        ]),
        [],
      );
      // No configuration at all is a violation even when nothing is known.
      assert.equal((await check([unknownBucket])).length, 2);
    });

    it("uses the engine's property dependencies to tell which bucket an unknown reference is", async () => {
      const resources: FakeResource[] = [
        bucket("a", { id: UNKNOWN_STRING, bucket: UNKNOWN_STRING }),
        bucket("b", { id: UNKNOWN_STRING, bucket: UNKNOWN_STRING }),
        { ...encryption("a-enc", UNKNOWN_STRING), propertyDependencies: { bucket: ["a"] } },
        { ...publicAccessBlock("a-pab", UNKNOWN_STRING), propertyDependencies: { bucket: ["a"] } },
      ];
      assert.deepEqual(
        (await check(resources)).map((v) => v.message.split(".")[0]),
        [
          'Bucket "b" has no BucketServerSideEncryptionConfiguration',
          'Bucket "b" has no BucketPublicAccessBlock',
        ],
      );
    });
  });

  describe("greenlight-ecr-scan-immutable", () => {
    const repo = (props: Record<string, unknown>): FakeResource => ({
      type: TYPES.ecrRepository,
      name: "web",
      props,
    });
    const check = (props: Record<string, unknown>) =>
      validate([ecrScanAndImmutableTags], [repo(props)]);

    it("passes a repository that scans on push with immutable tags", async () => {
      assert.deepEqual(
        await check({
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
        }),
        [],
      );
    });

    it("fails the defaults: mutable tags, no scanning", async () => {
      assert.deepEqual(messages(await check({})), [
        'Repository "web" does not scan images on push. Set imageScanningConfiguration: { scanOnPush: true }.',
        'Repository "web" has imageTagMutability "MUTABLE". Set imageTagMutability: "IMMUTABLE" ' +
          "so a pushed tag always names the same image.",
      ]);
    });

    it("does not apply to other resource types", async () => {
      assert.deepEqual(
        await validate([ecrScanAndImmutableTags], [{ type: TYPES.bucket, name: "b", props: {} }]),
        [],
      );
    });
  });

  describe("greenlight-log-retention", () => {
    const group = (props: Record<string, unknown>): FakeResource => ({
      type: TYPES.logGroup,
      name: "web-logs",
      props: { name: "/greenlight/dev/web", ...props },
    });
    const check = (props: Record<string, unknown>) => validate([logRetention], [group(props)]);

    it("passes a log group that expires its events", async () => {
      assert.deepEqual(await check({ retentionInDays: 14 }), []);
    });

    it("fails a log group kept forever, or with retention 0", async () => {
      assert.deepEqual(messages(await check({})), [
        'LogGroup "web-logs" (/greenlight/dev/web) has no retention (retentionInDays is null). ' +
          "Set retentionInDays to one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, ..., " +
          "3653); Greenlight uses greenlight:logRetentionDays.",
      ]);
      assert.equal((await check({ retentionInDays: 0 })).length, 1);
    });

    it("waits for a retention that is not known yet (preview)", async () => {
      assert.deepEqual(await check({ retentionInDays: UNKNOWN_STRING }), []);
    });
  });
});
