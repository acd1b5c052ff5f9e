/**
 * The rehearsal's load generator, run as its own process (so its event loop does not slow the
 * watcher or the rehearsal's own steps): autocannon against one URL with `LOAD_CONNECTIONS`
 * keep-alive connections until SIGTERM. It writes JSON Lines on stdout (see {@link LoadLine}):
 * `start`, every non-2xx answer and socket error with its time (the first
 * {@link MAX_DETAILED_FAILURES}; later ones are only counted), a `tick` a second with the answers
 * so far, and `done` with autocannon's own figures.
 */

import autocannon from "autocannon";

/** Failures written one by one; later ones are counted in `tick` and `done`. */
export const MAX_DETAILED_FAILURES = 5000;

/** One line the load generator writes. */
export type LoadLine =
  | { readonly kind: "start"; readonly t: number }
  | { readonly kind: "failure"; readonly t: number; readonly what: string }
  | {
      readonly kind: "tick";
      readonly t: number;
      readonly answers: number;
      readonly failures: number;
    }
  | {
      readonly kind: "done";
      readonly t: number;
      readonly answers: number;
      readonly non2xx: number;
      readonly errors: number;
      readonly timeouts: number;
      readonly p50: number;
      readonly p99: number;
      readonly durationMs: number;
    };

function write(line: LoadLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** What a request lost to a connection closed under it is called. */
export const LOST = "closed without an answer";

/**
 * autocannon counts connection errors and timeouts, but when a server closes a connection cleanly
 * (FIN) with a request in flight, it reconnects and sends the next request without counting the
 * lost one (autocannon 9.0.0, lib/httpClient.js: `conn.on('end')` → `_connect()`). With one
 * request in flight per connection, a new request while the last one is unanswered means it was
 * lost; a timeout also reconnects first and is counted by autocannon itself, so it is left out.
 */
function watchForLostRequests(client: autocannon.Client, onLost: () => void): void {
  // The typings list a few of the client's events; it emits these too (lib/httpClient.js).
  const events: NodeJS.EventEmitter = client;
  let pending = false;
  let candidate = false;
  events.on("request", () => {
    if (pending) {
      candidate = true;
      queueMicrotask(() => {
        if (candidate) onLost();
        candidate = false;
      });
    }
    pending = true;
  });
  events.on("response", () => {
    pending = false;
  });
  events.on("connError", () => {
    pending = false;
  });
  events.on("timeout", () => {
    candidate = false;
    pending = false;
  });
}

function main(): void {
  const url = process.env.LOAD_URL ?? "";
  const connections = Number(process.env.LOAD_CONNECTIONS ?? "");
  const timeoutSeconds = Number(process.env.LOAD_TIMEOUT_S ?? "10");
  if (!/^http:\/\//.test(url) || !Number.isInteger(connections) || connections < 1) {
    process.stderr.write(`LOAD_URL (${url}) and LOAD_CONNECTIONS (${connections}) are required\n`);
    process.exitCode = 2;
    return;
  }
  let answers = 0;
  let failures = 0;
  let lost = 0;
  const failure = (what: string): void => {
    failures += 1;
    if (failures <= MAX_DETAILED_FAILURES) write({ kind: "failure", t: Date.now(), what });
  };
  const instance = autocannon(
    {
      url,
      connections,
      pipelining: 1,
      duration: 24 * 3600,
      timeout: timeoutSeconds,
      setupClient: (client) =>
        watchForLostRequests(client, () => {
          lost += 1;
          failure(LOST);
        }),
    },
    (error, result) => {
      clearInterval(ticker);
      if (error !== null && error !== undefined) {
        process.stderr.write(`autocannon: ${String(error)}\n`);
        process.exitCode = 1;
        return;
      }
      write({
        kind: "done",
        t: Date.now(),
        answers: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors - result.timeouts + lost,
        timeouts: result.timeouts,
        p50: result.latency.p50,
        p99: result.latency.p99,
        durationMs: Math.round(result.duration * 1000),
      });
    },
  );
  instance.on("response", (_client, statusCode) => {
    answers += 1;
    if (statusCode < 200 || statusCode > 299) failure(`HTTP ${statusCode}`);
  });
  instance.on("reqError", (error: Error & { code?: string }) => {
    failure(error.message === "request timed out" ? "timeout" : (error.code ?? error.message));
  });
  const ticker = setInterval(() => write({ kind: "tick", t: Date.now(), answers, failures }), 1000);
  write({ kind: "start", t: Date.now() });
  process.on("SIGTERM", () => instance.stop());
}

if (require.main === module) main();
