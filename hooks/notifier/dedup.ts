/**
 * Folding a burst of one incident into one message. Each incident has a key (see `incidentKey`);
 * the first event of a key claims it in DynamoDB with a conditional write and posts; the events
 * that follow inside the window only count themselves; the first event after the window posts
 * again and says how many were held back.
 *
 * Item (partition key `incident`): `postedAt` and `windowEndsAt` (epoch seconds) of the last post,
 * `suppressed` (events held back since then), and `expiresAt`, the TTL attribute (epoch seconds):
 * a week after the window, so the count of held-back events outlives the window until the next post.
 *
 * Claim: `PutItem` with `attribute_not_exists(incident) OR attribute_not_exists(windowEndsAt) OR
 * windowEndsAt <= :now` and `ReturnValues: ALL_OLD` (the old item carries the count to report).
 * Held back: `UpdateItem ADD suppressed :one`. DynamoDB unavailable: post anyway (a duplicate beats
 * a lost alert). A post that fails gives its claim back (`windowEndsAt = 0`), so the next event of the
 * incident tries again.
 */
import {
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { Logger } from "../core/logger";
import { describeError } from "../core/redact";
import { awsErrorName, callAws } from "../shared/aws";

/** How long an incident's item outlives its window (for the count of held-back events). */
export const INCIDENT_RETENTION_SECONDS = 7 * 24 * 60 * 60;

/** The DynamoDB attribute names of an incident item. */
export const IncidentAttributes = {
  key: "incident",
  postedAt: "postedAt",
  windowEndsAt: "windowEndsAt",
  suppressed: "suppressed",
  expiresAt: "expiresAt",
} as const;

/** The claim's condition: nobody posted this incident, or their window is over. */
export const CLAIM_CONDITION =
  "attribute_not_exists(#incident) OR attribute_not_exists(#windowEndsAt) OR #windowEndsAt <= :now";

/** Every expression names its attributes through placeholders (no reserved-word surprises). */
const NAMES = {
  "#incident": IncidentAttributes.key,
  "#postedAt": IncidentAttributes.postedAt,
  "#windowEndsAt": IncidentAttributes.windowEndsAt,
  "#suppressed": IncidentAttributes.suppressed,
} as const;

/** The placeholders an expression uses, and nothing else (DynamoDB rejects unused names). */
function namesIn(...expressions: string[]): Record<string, string> {
  const used = expressions.join(" ");
  return Object.fromEntries(Object.entries(NAMES).filter(([token]) => used.includes(token)));
}

/** Holding an event back counts it. */
export const COUNT_UPDATE = "ADD #suppressed :one";
/** Never create a half item (one without a window would block its incident for good). */
export const COUNT_CONDITION = "attribute_exists(#incident)";
/** Giving a claim back ends its window at once... */
export const RELEASE_UPDATE = "SET #windowEndsAt = :zero";
/** ...provided the claim is still ours. */
export const RELEASE_CONDITION = "#postedAt = :postedAt";

/** What to do with an event. */
export type GateDecision =
  | {
      readonly action: "post";
      /** When this claim was made (epoch seconds); `undefined` when de-duplication is off. */
      readonly postedAt?: number;
      /** Events held back since the previous post of this incident. */
      readonly suppressedBefore: number;
      /** When the previous post was (epoch seconds), when there was one. */
      readonly previousPostedAt?: number;
    }
  | {
      readonly action: "suppress";
      /** Events held back in this window so far, this one included, when DynamoDB said. */
      readonly suppressed?: number;
      /** When the post that this event is folded into was made (epoch seconds). */
      readonly postedAt?: number;
    }
  /** DynamoDB could not decide: post, and say why in the logs. */
  | { readonly action: "post-anyway"; readonly error: string };

/** Decides which events of an incident post. */
export interface IncidentGate {
  /** Never rejects. */
  claim(key: string, nowMs: number, signal?: AbortSignal): Promise<GateDecision>;
  /** Gives back a claim whose post failed. Never rejects. */
  release(key: string, postedAt: number, signal?: AbortSignal): Promise<void>;
}

/** A gate that lets every event through (no table, or a window of 0). */
export const openGate: IncidentGate = {
  claim: () => Promise.resolve({ action: "post", suppressedBefore: 0 }),
  release: () => Promise.resolve(),
};

/** How the DynamoDB gate is set up. */
export interface DynamoDbGateOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly windowSeconds: number;
  readonly logger: Logger;
}

/** The DynamoDB-backed gate. */
export function dynamoDbIncidentGate(options: DynamoDbGateOptions): IncidentGate {
  const { client, table, windowSeconds, logger } = options;
  return {
    async claim(key, nowMs, signal) {
      const now = Math.floor(nowMs / 1000);
      const windowEndsAt = now + windowSeconds;
      try {
        const { Attributes: old } = await callAws(signal, (o) =>
          client.send(
            new PutItemCommand({
              TableName: table,
              Item: {
                [IncidentAttributes.key]: { S: key },
                [IncidentAttributes.postedAt]: number(now),
                [IncidentAttributes.windowEndsAt]: number(windowEndsAt),
                [IncidentAttributes.suppressed]: number(0),
                [IncidentAttributes.expiresAt]: number(windowEndsAt + INCIDENT_RETENTION_SECONDS),
              },
              ConditionExpression: CLAIM_CONDITION,
              ExpressionAttributeNames: namesIn(CLAIM_CONDITION),
              ExpressionAttributeValues: { ":now": number(now) },
              ReturnValues: "ALL_OLD",
            }),
            o,
          ),
        );
        const previousPostedAt = readNumber(old?.[IncidentAttributes.postedAt]);
        return {
          action: "post",
          postedAt: now,
          suppressedBefore: readNumber(old?.[IncidentAttributes.suppressed]) ?? 0,
          ...(previousPostedAt === undefined ? {} : { previousPostedAt }),
        };
      } catch (error) {
        if (awsErrorName(error) !== "ConditionalCheckFailedException") {
          const detail = describeError(error);
          logger.error("dedup.unavailable", {
            table,
            errorName: awsErrorName(error) ?? typeof error,
            error: detail,
            consequence: "posting anyway",
          });
          return { action: "post-anyway", error: detail };
        }
      }
      return countSuppressed(key, now, signal);
    },
    async release(key, postedAt, signal) {
      try {
        await callAws(signal, (o) =>
          client.send(
            new UpdateItemCommand({
              TableName: table,
              Key: { [IncidentAttributes.key]: { S: key } },
              UpdateExpression: RELEASE_UPDATE,
              ConditionExpression: RELEASE_CONDITION,
              ExpressionAttributeNames: namesIn(RELEASE_UPDATE, RELEASE_CONDITION),
              ExpressionAttributeValues: { ":zero": number(0), ":postedAt": number(postedAt) },
            }),
            o,
          ),
        );
        logger.info("dedup.released", { reason: "the post failed; the next event posts again" });
      } catch (error) {
        logger.warn("dedup.release-failed", {
          errorName: awsErrorName(error) ?? typeof error,
          error: describeError(error),
        });
      }
    },
  };

  async function countSuppressed(
    key: string,
    now: number,
    signal: AbortSignal | undefined,
  ): Promise<GateDecision> {
    try {
      const { Attributes: updated } = await callAws(signal, (o) =>
        client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { [IncidentAttributes.key]: { S: key } },
            UpdateExpression: COUNT_UPDATE,
            ConditionExpression: COUNT_CONDITION,
            ExpressionAttributeNames: namesIn(COUNT_UPDATE, COUNT_CONDITION),
            ExpressionAttributeValues: { ":one": number(1) },
            ReturnValues: "ALL_NEW",
          }),
          o,
        ),
      );
      const suppressed = readNumber(updated?.[IncidentAttributes.suppressed]);
      const postedAt = readNumber(updated?.[IncidentAttributes.postedAt]);
      return {
        action: "suppress",
        ...(suppressed === undefined ? {} : { suppressed }),
        ...(postedAt === undefined ? {} : { postedAt }),
      };
    } catch (error) {
      // The claim check said someone posted in this window: hold back even if counting failed.
      logger.warn("dedup.count-failed", {
        table,
        now,
        errorName: awsErrorName(error) ?? typeof error,
        error: describeError(error),
      });
      return { action: "suppress" };
    }
  }
}

function number(value: number): AttributeValue {
  return { N: String(value) };
}

function readNumber(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || !("N" in value) || value.N === undefined) return undefined;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : undefined;
}
