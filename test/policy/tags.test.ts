import { strict as assert } from "assert";
import { tagsFor } from "../../components/tags";
import { TYPES } from "../../policy/lib/types";
import { PER_SERVICE_TYPES, requiredTags, TAGGABLE_TYPES } from "../../policy/policies/tags";
import { messages, UNKNOWN_STRING, validate, type FakeResource } from "./fakes";

const check = (...resources: FakeResource[]) => validate([requiredTags], resources);

describe("greenlight-required-tags", () => {
  it("passes the program's own tags: environment and managed-by, plus service per service", async () => {
    assert.deepEqual(
      await check(
        { type: TYPES.logGroup, name: "hook-logs", props: { tags: tagsFor("dev") } },
        { type: TYPES.ecsService, name: "web-service", props: { tags: tagsFor("dev", "web") } },
      ),
      [],
    );
  });

  it("fails a taggable resource without tags, saying how to fix it", async () => {
    assert.deepEqual(messages(await check({ type: TYPES.logGroup, name: "logs", props: {} })), [
      'LogGroup "logs" lacks the tags environment, managed-by. Pass tags: ' +
        "tagsFor(environment) (components/tags.ts) to it.",
    ]);
  });

  it("fails a per-service resource without the service tag", async () => {
    for (const type of PER_SERVICE_TYPES) {
      const found = messages(await check({ type, name: "x", props: { tags: tagsFor("dev") } }));
      assert.equal(found.length, 1, type);
      assert.match(found[0], /lacks the tag service\. Pass tags: tagsFor\(environment, service\)/);
    }
  });

  it("fails empty tag values", async () => {
    const found = messages(
      await check({
        type: TYPES.bucket,
        name: "b",
        props: { tags: { environment: " ", "managed-by": "greenlight" } },
      }),
    );
    assert.deepEqual(found, [
      'Bucket "b" lacks the tag environment. Pass tags: tagsFor(environment) (components/tags.ts) to it.',
    ]);
  });

  it("checks resources of unlisted types that carry tags, and skips those that take none", async () => {
    assert.equal(
      (await check({ type: "aws:new/thing:Thing", name: "t", props: { tags: {} } })).length,
      1,
    );
    assert.deepEqual(
      await check(
        { type: TYPES.rolePolicy, name: "p", props: { policy: "{}" } },
        { type: "greenlight:service:FargateService", name: "web", props: {} },
        { type: "pulumi:providers:aws", name: "default", props: { region: "eu-west-1" } },
      ),
      [],
    );
  });

  it("waits for tags that are not known yet (preview)", async () => {
    assert.deepEqual(
      await check(
        { type: TYPES.logGroup, name: "a", props: { tags: UNKNOWN_STRING } },
        {
          type: TYPES.logGroup,
          name: "b",
          props: { tags: { environment: UNKNOWN_STRING, "managed-by": "greenlight" } },
        },
      ),
      [],
    );
  });

  it("lists every per-service type as taggable", () => {
    for (const type of PER_SERVICE_TYPES) assert.ok(TAGGABLE_TYPES.includes(type), type);
  });
});
