/**
 * The rehearsal's load balancer, rendered as an HAProxy configuration: a production and a test
 * frontend (the ALB's two listeners), a backend per listener (its target group), each holding the
 * two slots `blue` and `green` (the two target groups CodeDeploy alternates between), with real
 * HTTP health checks taken from the stack's target group settings. Weights and states change at
 * run time through the admin socket. Pure.
 *
 * How each ALB rule maps onto HAProxy (sources: Elastic Load Balancing, Application Load
 * Balancers guide, "Health checks for your target groups" and "Target groups": deregistration
 * delay, slow start mode; HAProxy 2.6 configuration manual: `inter`, `timeout check`, `backup`,
 * `option allbackups`, `slowstart`):
 * - HealthCheckIntervalSeconds → `inter` (also `fastinter` and `downinter`: an ALB checks at one
 *   interval whatever the target's state), shortened by `--minute-ms` as traffic shifting is; see
 *   {@link haproxyCheck} for the floor.
 * - HealthCheckTimeoutSeconds → `timeout check`, always explicit and not shortened: it bounds the
 *   app's answer time, which is real time whatever `--minute-ms` says. Without it HAProxy times a
 *   check out after `inter`, so a busy app failed its checks in a fraction of the ALB's timeout.
 * - HealthyThresholdCount / UnhealthyThresholdCount → `rise` / `fall`. (An ALB counts one passed
 *   check for a newly registered target; HAProxy 2.6 waits for `rise`: at most an interval more.)
 * - Matcher (HTTP codes) → `http-check expect status`.
 * - Fail open ("if a target group contains only unhealthy registered targets, the load balancer
 *   routes requests to all those targets, regardless of their health status") → every slot has a
 *   twin `<slot>-failopen` with the same address and weight, marked `backup` and never checked;
 *   `option allbackups` makes HAProxy use every twin, by weight, once no checked server of the
 *   backend can take traffic. So a busy app failing its checks keeps its traffic instead of
 *   getting HAProxy's 503.
 * - Slow start (`slow_start.duration_seconds`, 0 = off) → `slowstart` on the checked servers, only
 *   when the stack turns it on.
 * - Deregistration delay → not configuration: the rehearsal drains a slot (`state drain`: no new
 *   requests, in-flight ones finish) and stops its process once it holds no session or the delay
 *   has passed, as ECS stops a task once the ALB has deregistered it.
 *
 * The routing itself (a frontend per listener, weights between the two slots of its backend) is
 * one mode, rendered by {@link renderFrontend} and {@link renderBackend}; another mode (rules that
 * pick a backend by host name) adds its own frontend and backend renderers next to these.
 */

/** The two slots of a blue/green pair, as CodeDeploy's two target groups. */
export const SLOTS = ["blue", "green"] as const;
export type Slot = (typeof SLOTS)[number];

/** The backends, one per listener. */
export const Backends = { prod: "be_prod", test: "be_test" } as const;
export type Listener = keyof typeof Backends;

/** The frontends, one per listener. */
export const Frontends = { prod: "fe_prod", test: "fe_test" } as const;

/** The other slot. */
export function otherSlot(slot: Slot): Slot {
  return slot === "blue" ? "green" : "blue";
}

/** The unchecked backup twin of a slot, used only when the backend fails open. */
export function failOpenServer(slot: Slot): string {
  return `${slot}-failopen`;
}

/** The HAProxy servers that stand for a slot: the checked one, then its fail-open twin. */
export function slotServers(slot: Slot): readonly [string, string] {
  return [slot, failOpenServer(slot)];
}

/** A target group's health check as the stack sets it (the ALB's names and units). */
export interface TargetGroupHealthCheck {
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** HTTP codes that pass, e.g. `200` or `200-299`. */
  readonly matcher: string;
}

/** HAProxy's health check for the rehearsal, in milliseconds. */
export interface HaproxyCheck {
  /** `inter`, `fastinter` and `downinter`. */
  readonly interMs: number;
  /** `timeout check`. */
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  /** HAProxy's `http-check expect status` argument. */
  readonly expectStatus: string;
  /** `slowstart`; absent when the stack does not use slow start. */
  readonly slowStartMs?: number;
}

/**
 * The shortest check interval: HAProxy's checks run on its one thread, and faster checks would
 * load the two-core machine the rehearsal measures. It also bounds the check's connect timeout,
 * which HAProxy takes as min(`timeout connect`, `inter`).
 */
export const MIN_CHECK_INTERVAL_MS = 200;

/** One minute of the stack's schedule, in real milliseconds. */
const MINUTE_MS = 60_000;

/**
 * HAProxy's check from the stack's target group settings, one minute lasting `minuteMs`: the
 * interval scaled (at least {@link MIN_CHECK_INTERVAL_MS}) as traffic shifting is, thresholds as
 * they are, slow start scaled when the stack uses it. The timeout is the stack's own: schedules
 * shrink with `--minute-ms`, an app's answer time does not, and a 4 s timeout shortened to 67 ms
 * (or even to 1 s) failed the checks of a healthy app on a busy two-core machine, which made the
 * live check roll a good version back. It may then exceed the shortened interval (an ALB requires
 * it below); HAProxy runs one check at a time per server, so checks space out instead of piling
 * up. Throws a `RangeError` naming a bad setting. Pure.
 */
export function haproxyCheck(
  healthCheck: TargetGroupHealthCheck,
  minuteMs: number,
  slowStartSeconds = 0,
): HaproxyCheck {
  if (!Number.isFinite(minuteMs) || minuteMs < 0) {
    throw new RangeError(`minute-ms is ${minuteMs}; give a number of milliseconds of at least 0.`);
  }
  const positive = (name: string, value: number): void => {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `the health check's ${name} is ${value}; give a whole number of at least 1.`,
      );
    }
  };
  positive("intervalSeconds", healthCheck.intervalSeconds);
  positive("timeoutSeconds", healthCheck.timeoutSeconds);
  positive("healthyThreshold", healthCheck.healthyThreshold);
  positive("unhealthyThreshold", healthCheck.unhealthyThreshold);
  if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(healthCheck.matcher)) {
    throw new RangeError(
      `the health check's matcher is "${healthCheck.matcher}"; give HTTP codes such as 200 or 200-299.`,
    );
  }
  const scaled = (seconds: number): number => Math.round((seconds * 1000 * minuteMs) / MINUTE_MS);
  return {
    interMs: Math.max(MIN_CHECK_INTERVAL_MS, scaled(healthCheck.intervalSeconds)),
    timeoutMs: healthCheck.timeoutSeconds * 1000,
    rise: healthCheck.healthyThreshold,
    fall: healthCheck.unhealthyThreshold,
    expectStatus: healthCheck.matcher,
    ...(slowStartSeconds > 0 ? { slowStartMs: Math.max(1, scaled(slowStartSeconds)) } : {}),
  };
}

/** A check when none is given: every 200 ms, the ALB's default 5 s timeout, rise 2, fall 2. */
export const DEFAULT_CHECK: HaproxyCheck = {
  interMs: MIN_CHECK_INTERVAL_MS,
  timeoutMs: 5000,
  rise: 2,
  fall: 2,
  expectStatus: "200-299",
};

/** What the configuration needs. */
export interface HaproxyConfigInput {
  /** The admin socket (unix), for `set server` and `show stat`. */
  readonly socketPath: string;
  /** Port of the production frontend on 127.0.0.1. */
  readonly prodPort: number;
  /** Port of the test frontend on 127.0.0.1. */
  readonly testPort: number;
  /**
   * Port each slot's service listens on, on 127.0.0.1. An empty slot (`undefined`) points at
   * {@link EMPTY_SLOT_PORT} until a version starts in it and is registered at run time
   * (`set server ... addr`), as ECS registers a new task's address in its target group.
   */
  readonly slotPorts: Readonly<Record<Slot, number | undefined>>;
  /**
   * The slot that serves production at start (weight 256); the other has weight 0 and fails its
   * health checks until a version starts in it, like an empty target group.
   */
  readonly liveSlot: Slot;
  /** The health check path, e.g. `/health`. */
  readonly healthCheckPath: string;
  /**
   * The health check, from the stack's target group settings ({@link haproxyCheck}).
   * @default - {@link DEFAULT_CHECK}
   */
  readonly check?: HaproxyCheck;
}

/** The address every part of the rehearsal listens on. */
export const LOOPBACK = "127.0.0.1";

/** Where an empty slot points: a privileged port nothing listens on, so its checks fail (DOWN). */
export const EMPTY_SLOT_PORT = 1;

/** A `frontend` section: one listener on loopback, to its backend. Pure. */
export function renderFrontend(listener: Listener, port: number): string[] {
  return [
    `frontend ${Frontends[listener]}`,
    `  bind ${LOOPBACK}:${port}`,
    `  default_backend ${Backends[listener]}`,
    "",
  ];
}

/**
 * A `backend` section: the listener's two slots, each a checked server and its fail-open twin,
 * with the same address and weight. Pure.
 */
export function renderBackend(
  listener: Listener,
  input: Pick<HaproxyConfigInput, "slotPorts" | "liveSlot" | "healthCheckPath">,
  check: HaproxyCheck,
): string[] {
  const slowStart = check.slowStartMs === undefined ? "" : ` slowstart ${check.slowStartMs}`;
  const servers = SLOTS.flatMap((slot) => {
    const at = `${LOOPBACK}:${input.slotPorts[slot] ?? EMPTY_SLOT_PORT} weight ${slot === input.liveSlot ? 256 : 0}`;
    return [
      `  server ${slot} ${at} check${slowStart}`,
      `  server ${failOpenServer(slot)} ${at} backup`,
    ];
  });
  return [
    `backend ${Backends[listener]}`,
    "  balance roundrobin",
    "  option allbackups",
    `  option httpchk GET ${input.healthCheckPath}`,
    `  http-check expect status ${check.expectStatus}`,
    `  timeout check ${check.timeoutMs}`,
    `  default-server inter ${check.interMs} fastinter ${check.interMs} downinter ${check.interMs} rise ${check.rise} fall ${check.fall}`,
    ...servers,
    "",
  ];
}

/** Renders `haproxy.cfg`. Throws a `RangeError` naming a bad value. */
export function renderHaproxyConfig(input: HaproxyConfigInput): string {
  const check = input.check ?? DEFAULT_CHECK;
  const ports = [
    input.prodPort,
    input.testPort,
    input.slotPorts.blue,
    input.slotPorts.green,
  ].filter((port): port is number => port !== undefined);
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`port ${port} is not a TCP port; give a whole number from 1 to 65535.`);
    }
  }
  if (new Set(ports).size !== ports.length) {
    throw new RangeError(`ports ${ports.join(", ")} must all differ.`);
  }
  if (!input.healthCheckPath.startsWith("/") || /\s/.test(input.healthCheckPath)) {
    throw new RangeError(
      `healthCheckPath is "${input.healthCheckPath}"; give a path starting with "/" and without spaces.`,
    );
  }
  if (/\s/.test(input.socketPath)) {
    throw new RangeError(`socketPath "${input.socketPath}" must not contain spaces.`);
  }
  return [
    "# Generated by tools/rehearsal (greenlight's local blue/green rehearsal). Loopback only.",
    "global",
    "  nbthread 1",
    "  maxconn 4096",
    `  stats socket ${input.socketPath} mode 600 level admin`,
    "  hard-stop-after 5s",
    "",
    "defaults",
    "  mode http",
    "  option http-keep-alive",
    "  timeout connect 1s",
    "  timeout client 30s",
    "  timeout server 10s",
    "  timeout http-request 5s",
    "  timeout http-keep-alive 10s",
    "  # A refused or reset connection to a server is retried on the other one (GET is idempotent);",
    "  # the rehearsal reports how often that happened (HAProxy's wretr/wredis counters).",
    "  retries 2",
    "  option redispatch 1",
    "  retry-on conn-failure empty-response",
    "",
    ...renderFrontend("prod", input.prodPort),
    ...renderFrontend("test", input.testPort),
    ...renderBackend("prod", input, check),
    ...renderBackend("test", input, check),
  ].join("\n");
}
