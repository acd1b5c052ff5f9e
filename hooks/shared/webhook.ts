/**
 * The Slack webhook URL, read at run time from Secrets Manager (never from the function's
 * configuration, where anyone who can read the function could see it) and cached across warm
 * invocations.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Clock } from "../core/clock";
import { isHttpUrl } from "../core/http";
import { callAws } from "./aws";

/** How long a webhook URL read from Secrets Manager is reused. */
export const WEBHOOK_CACHE_MS = 15 * 60 * 1000;

/** Where the webhook URL comes from. */
export interface WebhookSource {
  /** The webhook URL; rejects when it cannot be read (the message never contains the secret). */
  get(signal?: AbortSignal): Promise<string>;
  /** Forgets the cached URL, e.g. after Slack said the webhook is gone; the next `get` reads it again. */
  invalidate(): void;
}

/** The secret does not hold a usable webhook URL. */
export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookSecretError";
  }
}

/**
 * Reads the webhook URL from a secret string: the URL itself, or a JSON object with a `webhookUrl`
 * (or `url`) field. Pure; errors never include the value.
 */
export function webhookUrlFromSecret(secretString: string | undefined): string {
  const raw = (secretString ?? "").trim();
  if (raw === "") throw new WebhookSecretError("the Slack secret is empty");
  let candidate = raw;
  if (raw.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new WebhookSecretError("the Slack secret looks like JSON but does not parse");
    }
    const record =
      typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const field = record.webhookUrl ?? record.url;
    if (typeof field !== "string") {
      throw new WebhookSecretError('the Slack secret is JSON without a string "webhookUrl" field');
    }
    candidate = field.trim();
  }
  if (!isHttpUrl(candidate)) throw new WebhookSecretError("the Slack secret is not an http(s) URL");
  return candidate;
}

/** A {@link WebhookSource} backed by Secrets Manager, cached for `cacheMs`. */
export function secretsManagerWebhookSource(
  secrets: SecretsManagerClient,
  secretId: string,
  clock: Clock,
  cacheMs: number = WEBHOOK_CACHE_MS,
): WebhookSource {
  let cached: { readonly url: string; readonly until: number } | undefined;
  return {
    async get(signal) {
      const now = clock.now();
      if (cached !== undefined && now < cached.until) return cached.url;
      const { SecretString: secretString } = await callAws(signal, (o) =>
        secrets.send(new GetSecretValueCommand({ SecretId: secretId }), o),
      );
      const url = webhookUrlFromSecret(secretString);
      cached = { url, until: now + cacheMs };
      return url;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/**
 * One webhook source per secret, kept for the life of the Lambda container so warm invocations
 * reuse the URL read from Secrets Manager (each source re-reads after WEBHOOK_CACHE_MS).
 */
export function cachedWebhookSources(
  secrets: SecretsManagerClient,
  clock: Clock,
): (secretId: string) => WebhookSource {
  const sources = new Map<string, WebhookSource>();
  return (secretId) => {
    let source = sources.get(secretId);
    if (source === undefined) {
      source = secretsManagerWebhookSource(secrets, secretId, clock);
      sources.set(secretId, source);
    }
    return source;
  };
}
