/** Fixtures shared by the rehearsal's tests. */
import type { LoadSummary } from "../../tools/rehearsal/load";

/** A load generator's summary: 64 connections, no failure, unless `overrides` say otherwise. */
export function loadSummary(overrides: Partial<LoadSummary> = {}): LoadSummary {
  return {
    connections: 64,
    url: "http://127.0.0.1:1/version",
    durationMs: 20_000,
    answers: 60_000,
    rate: 3000,
    minSecondRate: 2500,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    p50: 12,
    p99: 40,
    failures: [],
    failuresNotListed: 0,
    cpu: { seconds: 20, busyPercent: 60, saturatedSeconds: 0 },
    ...overrides,
  };
}
