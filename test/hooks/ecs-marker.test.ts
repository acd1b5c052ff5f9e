import { strict as assert } from "node:assert";
import {
  claimInput,
  claimVerdict,
  parseVerdictMark,
  readVerdictMark,
  verdictMarkerName,
} from "../../hooks/ecs/marker";
import { DEPLOYMENT_ID, mockEcsAws } from "./helpers/ecs-scenario";

describe("hooks/ecs verdict marker", () => {
  const name = verdictMarkerName(
    "prod",
    "checkout",
    DEPLOYMENT_ID,
    "POST_PRODUCTION_TRAFFIC_SHIFT",
  );
  const mark = {
    verdict: "SUCCEEDED",
    executionId: "e-1",
    at: "2026-12-01T08:00:00.000Z",
  } as const;

  it("lives under the environment's Greenlight path, per deployment and stage", () => {
    assert.equal(
      name,
      `/greenlight/prod/checkout/ecs-verdicts/${DEPLOYMENT_ID}/POST_PRODUCTION_TRAFFIC_SHIFT`,
    );
  });

  it("is a create-only Advanced parameter that Parameter Store deletes after the retention", () => {
    assert.deepEqual(claimInput(name, mark, new Date("2026-12-03T08:00:00.000Z")), {
      Name: name,
      Value: JSON.stringify(mark),
      Type: "String",
      Overwrite: false,
      Tier: "Advanced",
      DataType: "text",
      Policies:
        '[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2026-12-03T08:00:00.000Z"}}]',
    });
  });

  it("reads only SUCCEEDED or FAILED marks", () => {
    assert.deepEqual(parseVerdictMark(JSON.stringify(mark)), mark);
    assert.deepEqual(parseVerdictMark('{"verdict":"FAILED"}'), {
      verdict: "FAILED",
      executionId: "",
      at: "",
    });
    for (const bad of [undefined, "", "null", "{", '{"verdict":"IN_PROGRESS"}', "[1]"]) {
      assert.equal(parseVerdictMark(bad), undefined, String(bad));
    }
  });

  it("lets exactly one of two claims win; the loser learns the winner's verdict", async () => {
    const aws = mockEcsAws();
    const until = new Date(Date.now() + 3_600_000);
    assert.equal(await readVerdictMark(aws.clients.ssm, name), undefined);
    const [first, second] = await Promise.all([
      claimVerdict(aws.clients.ssm, name, mark, until),
      claimVerdict(
        aws.clients.ssm,
        name,
        { ...mark, verdict: "FAILED", executionId: "e-2" },
        until,
      ),
    ]);
    assert.deepEqual(first, { claimed: true });
    assert.deepEqual(second, { claimed: false, existing: mark });
    assert.deepEqual(await readVerdictMark(aws.clients.ssm, name), mark);
  });

  it("reports an outage instead of throwing", async () => {
    const aws = mockEcsAws();
    aws.parameters.failWrites("/greenlight/prod/", 1);
    const result = await claimVerdict(aws.clients.ssm, name, mark, new Date());
    assert.equal(result.claimed, false);
    assert.ok("error" in result && /Parameter Store is unavailable/.test(result.error));
  });
});
