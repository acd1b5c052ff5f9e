/**
 * Keeping secrets out of text. The Slack webhook URL is a bearer credential: anyone holding it can
 * post to the channel, so it must never reach a log line or an error message.
 */

/** What a secret is replaced with. */
export const REDACTED = "[redacted]";

/** The shortest fragment of a secret worth hunting for on its own (shorter ones are too common). */
const MIN_FRAGMENT_LENGTH = 8;

/**
 * The forms in which a URL may show up in text: the URL as given and as normalised, and its path
 * (the part of a webhook URL that carries the credential), so that an error message that quotes only
 * the path is caught as well.
 */
export function secretFragmentsOfUrl(url: string): string[] {
  const fragments = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    fragments.add(parsed.href);
    const pathAndQuery = `${parsed.pathname}${parsed.search}`;
    if (pathAndQuery.length >= MIN_FRAGMENT_LENGTH) fragments.add(pathAndQuery);
    if (parsed.pathname.length >= MIN_FRAGMENT_LENGTH) fragments.add(parsed.pathname);
    const lastSegment = parsed.pathname.split("/").pop() ?? "";
    if (lastSegment.length >= MIN_FRAGMENT_LENGTH) fragments.add(lastSegment);
  } catch {
    // Not a URL: the value itself is all we can look for.
  }
  return [...fragments].filter((fragment) => fragment.length > 0);
}

/** Replaces every occurrence of each secret (longest first) with {@link REDACTED}. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const ordered = [...new Set(secrets)]
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length);
  let result = text;
  for (const secret of ordered) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/**
 * A one-line description of an error (its name, message and the `code`/message of its `cause`, as
 * Node's `fetch` nests the useful part there), with the given secrets removed.
 */
export function describeError(error: unknown, secrets: Iterable<string> = []): string {
  return redactSecrets(rawDescription(error), secrets);
}

function rawDescription(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parts = [error.name === "Error" ? error.message : `${error.name}: ${error.message}`];
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${code}: ${cause.message}` : cause.message);
  } else if (cause !== undefined) {
    parts.push(String(cause));
  }
  return parts.join(" — ");
}
