import { strict as assert } from "node:assert";
import {
  parseReleaseRecord,
  parseStackIndex,
  parameterPathPrefix,
  promotionNote,
  RELEASE_RECORD_MAX_BYTES,
  ReleaseRecordError,
  releaseParameterName,
  serialiseReleaseRecord,
  stackIndexParameterName,
  type ReleaseRecord,
} from "../../hooks/core/release";

const RECORD: ReleaseRecord = {
  environment: "prod",
  service: "checkout",
  version: "v1.4.3",
  imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-checkout@sha256:${"0".repeat(64)}`,
  commit: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
  ref: "v1.4.3",
  refType: "tag",
  commitMessage: "Release 1.4.3",
  author: "Ada Lovelace",
  deployedAt: "2026-11-22T03:44:08.000Z",
  deploymentId: "d-TEST12345",
  taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-checkout:42",
  application: "greenlight-prod",
  deploymentGroup: "greenlight-prod-checkout",
  durationMs: 312_000,
};

describe("hooks/core/release", () => {
  it("names the parameters under /greenlight/<env>/", () => {
    assert.equal(releaseParameterName("dev", "checkout"), "/greenlight/dev/checkout/live");
    assert.equal(stackIndexParameterName("dev"), "/greenlight/dev/stack");
    assert.equal(parameterPathPrefix("dev"), "/greenlight/dev/");
  });

  it("writes a short record as is, and reads it back", () => {
    const value = serialiseReleaseRecord(RECORD);
    assert.deepEqual(JSON.parse(value), RECORD);
    assert.deepEqual(parseReleaseRecord(value), RECORD);
  });

  it("cuts a long commit message so the value fits 4 KB (UTF-8 bytes), as long as it can", () => {
    const commitMessage = "Überarbeitung der Kasse — ✅ ".repeat(300);
    const value = serialiseReleaseRecord({ ...RECORD, commitMessage });
    const bytes = Buffer.byteLength(value);
    assert.ok(bytes <= RELEASE_RECORD_MAX_BYTES, `${bytes} bytes`);
    assert.ok(bytes > RELEASE_RECORD_MAX_BYTES - 8, `${bytes} bytes: the cut is not wasteful`);
    const parsed = parseReleaseRecord(value);
    assert.ok(parsed.commitMessage.endsWith("…"));
    assert.ok(commitMessage.startsWith(parsed.commitMessage.slice(0, -1)));
    assert.deepEqual({ ...parsed, commitMessage: "" }, { ...RECORD, commitMessage: "" });
  });

  it("refuses a record that cannot fit even without its commit message", () => {
    assert.throws(
      () => serialiseReleaseRecord({ ...RECORD, author: "x".repeat(5000) }),
      (error: unknown) =>
        error instanceof ReleaseRecordError &&
        /checkout in prod is longer than 4096 bytes even without its commit message/.test(
          error.message,
        ),
    );
  });

  it("reads records written without the optional fields, and rejects broken ones", () => {
    const minimal = parseReleaseRecord(
      JSON.stringify({
        environment: "dev",
        service: "api",
        version: "abc1234",
        deployedAt: "2026-01-01T00:00:00.000Z",
      }),
    );
    assert.equal(minimal.author, "");
    assert.equal(minimal.refType, "branch");
    assert.equal(minimal.durationMs, undefined);
    assert.throws(() => parseReleaseRecord("not json"), /the release record is not JSON/);
    assert.throws(() => parseReleaseRecord("[1]"), /not a JSON object/);
    assert.throws(
      () => parseReleaseRecord(JSON.stringify({ ...RECORD, version: 3 })),
      /the release record has no string "version"/,
    );
  });

  it("reads the stack index and names a missing field as it is written", () => {
    const index = {
      environment: "dev",
      region: "eu-west-1",
      cluster: "greenlight-dev",
      application: "greenlight-dev",
      services: {
        checkout: {
          ecsService: "checkout",
          deploymentGroup: "greenlight-dev-checkout",
          pipeline: "greenlight-dev-checkout",
          logGroup: "/greenlight/dev/checkout",
          prodUrl: "http://shop.example.com:8080",
        },
      },
    };
    assert.deepEqual(parseStackIndex(JSON.stringify(index)), index);
    assert.throws(
      () =>
        parseStackIndex(
          JSON.stringify({ ...index, services: { checkout: { deploymentGroup: "g" } } }),
        ),
      /the stack index has no string "services\.checkout\.ecsService"/,
    );
    assert.throws(
      () => parseStackIndex(JSON.stringify({ ...index, services: [] })),
      /no "services" object/,
    );
    assert.throws(
      () => parseStackIndex(JSON.stringify({ ...index, cluster: undefined })),
      /no string "cluster"/,
    );
  });

  it("reads an ecs stack's index, which names no CodeDeploy application or deployment group", () => {
    const index = {
      environment: "dev",
      region: "eu-west-1",
      cluster: "greenlight-dev",
      application: "",
      services: {
        checkout: {
          ecsService: "checkout",
          deploymentGroup: "",
          pipeline: "greenlight-dev-checkout",
          logGroup: "/greenlight/dev/checkout",
          prodUrl: "https://checkout.shop.example.com",
        },
      },
    };
    assert.deepEqual(parseStackIndex(JSON.stringify(index)), index);
    assert.throws(
      () => parseStackIndex(JSON.stringify({ ...index, cluster: "" })),
      /no string "cluster"/,
    );
    assert.throws(
      () =>
        parseStackIndex(
          JSON.stringify({
            ...index,
            services: { checkout: { ecsService: "", deploymentGroup: "" } },
          }),
        ),
      /no string "services\.checkout\.ecsService"/,
    );
  });

  it("keeps where a promoted release came from, and says it: promoted from staging, deployment d-…", () => {
    const promoted: ReleaseRecord = {
      ...RECORD,
      promotedFrom: { environment: "staging", deploymentId: "d-STAGING42" },
    };
    const back = parseReleaseRecord(serialiseReleaseRecord(promoted));
    assert.deepEqual(back, promoted);
    assert.equal(promotionNote(back), "promoted from staging, deployment d-STAGING42");
    assert.equal(promotionNote(RECORD), undefined);
    assert.equal("promotedFrom" in parseReleaseRecord(serialiseReleaseRecord(RECORD)), false);
    // A malformed promotedFrom is ignored rather than failing the whole record.
    const odd = JSON.stringify({ ...RECORD, promotedFrom: { environment: 7 } });
    assert.equal(parseReleaseRecord(odd).promotedFrom, undefined);
  });
});
