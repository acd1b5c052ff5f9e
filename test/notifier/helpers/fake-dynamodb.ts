/**
 * An incidents table in memory behind a mocked `DynamoDBClient`: `PutItem` and `UpdateItem` behave
 * as DynamoDB does for the notifier's own expressions (each call is atomic, as a conditional write
 * is), so a burst of concurrent events races for one claim as it would in AWS. The fakes are async,
 * as the SDK's `send` is.
 */
import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import {
  CLAIM_CONDITION,
  COUNT_CONDITION,
  COUNT_UPDATE,
  RELEASE_CONDITION,
  RELEASE_UPDATE,
} from "../../../hooks/notifier/dedup";

type Item = Record<string, AttributeValue>;

export interface FakeTable {
  readonly client: DynamoDBClient;
  readonly stub: AwsClientStub<DynamoDBClient>;
  readonly items: Map<string, Item>;
  /** Every write, in order: `put`, `put-rejected`, `count`, `release`. */
  readonly log: string[];
}

export const TABLE = "greenlight-dev-incidents";

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: "The conditional request failed",
    $metadata: { httpStatusCode: 400 },
  });
}

function num(item: Item | undefined, name: string): number | undefined {
  const value = item?.[name];
  return value !== undefined && "N" in value && value.N !== undefined ? Number(value.N) : undefined;
}

function value(input: { ExpressionAttributeValues?: Item }, name: string): number {
  const raw = input.ExpressionAttributeValues?.[name];
  assert.ok(raw !== undefined && "N" in raw, `${name} is given as a number`);
  return Number(raw.N);
}

export function fakeIncidentsTable(): FakeTable {
  const client = new DynamoDBClient({ region: "eu-west-1" });
  const stub = mockClient(client);
  const items = new Map<string, Item>();
  const log: string[] = [];
  stub.on(PutItemCommand).callsFake(async (input: PutItemCommandInput) => {
    assert.equal(input.TableName, TABLE);
    assert.equal(input.ConditionExpression, CLAIM_CONDITION);
    assert.deepEqual(input.ExpressionAttributeNames, {
      "#incident": "incident",
      "#windowEndsAt": "windowEndsAt",
    });
    assert.equal(input.ReturnValues, "ALL_OLD");
    const item = input.Item ?? {};
    const keyValue = item.incident;
    assert.ok(keyValue !== undefined && "S" in keyValue && keyValue.S !== undefined);
    const key = keyValue.S;
    const now = value(input, ":now");
    const old = items.get(key);
    const windowEndsAt = num(old, "windowEndsAt");
    if (old === undefined || windowEndsAt === undefined || windowEndsAt <= now) {
      items.set(key, { ...item });
      log.push("put");
      return old === undefined ? {} : { Attributes: old };
    }
    log.push("put-rejected");
    throw conditionFailed();
  });
  stub.on(UpdateItemCommand).callsFake(async (input: UpdateItemCommandInput) => {
    assert.equal(input.TableName, TABLE);
    const keyValue = input.Key?.incident;
    assert.ok(keyValue !== undefined && "S" in keyValue && keyValue.S !== undefined);
    const item = items.get(keyValue.S);
    if (input.UpdateExpression === COUNT_UPDATE) {
      assert.equal(input.ConditionExpression, COUNT_CONDITION);
      assert.deepEqual(input.ExpressionAttributeNames, {
        "#incident": "incident",
        "#suppressed": "suppressed",
      });
      if (item === undefined) throw conditionFailed();
      const suppressed = (num(item, "suppressed") ?? 0) + value(input, ":one");
      item.suppressed = { N: String(suppressed) };
      log.push("count");
      return { Attributes: { ...item } };
    }
    if (input.UpdateExpression === RELEASE_UPDATE) {
      assert.equal(input.ConditionExpression, RELEASE_CONDITION);
      assert.deepEqual(input.ExpressionAttributeNames, {
        "#postedAt": "postedAt",
        "#windowEndsAt": "windowEndsAt",
      });
      if (item === undefined || num(item, "postedAt") !== value(input, ":postedAt")) {
        throw conditionFailed();
      }
      item.windowEndsAt = { N: String(value(input, ":zero")) };
      log.push("release");
      return {};
    }
    throw new Error(`unexpected UpdateExpression ${String(input.UpdateExpression)}`);
  });
  return { client, stub, items, log };
}
