/**
 * HAProxy's `show stat` CSV, read into rows and into target health as Elastic Load Balancing names
 * it, so the live check reads HAProxy the way it reads an ALB target group. Pure.
 */

import type { TargetHealth, TargetHealthState } from "../../hooks/core/targets";

/** The fields of a `show stat` row the rehearsal reads. */
export interface StatRow {
  /** Proxy name: a frontend or backend, e.g. `be_prod`. */
  readonly proxy: string;
  /** Server name, or `FRONTEND` / `BACKEND`. */
  readonly server: string;
  /** Current sessions. */
  readonly sessions: number;
  /** `UP`, `DOWN`, `UP 1/2`, `DOWN 1/2`, `MAINT`, `DRAIN`, `NOLB`, `no check`, … */
  readonly status: string;
  readonly weight: number;
  /** E.g. `L7OK`, `L4CON`, `INI`, `* L7OK` (a check in progress); empty without checks. */
  readonly checkStatus: string;
  /** The last check's HTTP status, when there was one. */
  readonly checkCode?: number;
  /** Connection retries and redispatches to another server. */
  readonly retries: number;
  readonly redispatches: number;
  /** Connection errors and response errors. */
  readonly connectionErrors: number;
  readonly responseErrors: number;
  /** `127.0.0.1:8080`, for servers. */
  readonly address?: string;
}

/** Parses the CSV (`# pxname,svname,...` header first). Throws when the header lacks a column. */
export function parseStatCsv(csv: string): StatRow[] {
  const lines = csv.split("\n").filter((line) => line.trim() !== "");
  const header = lines[0];
  if (header?.startsWith("# ") !== true) {
    throw new Error(`show stat did not answer CSV: ${JSON.stringify(csv.slice(0, 120))}`);
  }
  const names = header.slice(2).split(",");
  const column = (name: string): number => {
    const index = names.indexOf(name);
    if (index < 0) throw new Error(`show stat has no "${name}" column`);
    return index;
  };
  const at = {
    proxy: column("pxname"),
    server: column("svname"),
    sessions: column("scur"),
    status: column("status"),
    weight: column("weight"),
    checkStatus: column("check_status"),
    checkCode: column("check_code"),
    retries: column("wretr"),
    redispatches: column("wredis"),
    connectionErrors: column("econ"),
    responseErrors: column("eresp"),
    address: column("addr"),
  };
  const count = (value: string | undefined): number => {
    const parsed = Number(value ?? "");
    return value === undefined || value === "" || !Number.isFinite(parsed) ? 0 : parsed;
  };
  return lines.slice(1).map((line) => {
    const cells = line.split(",");
    const code = cells[at.checkCode] ?? "";
    const address = cells[at.address] ?? "";
    return {
      proxy: cells[at.proxy] ?? "",
      server: cells[at.server] ?? "",
      sessions: count(cells[at.sessions]),
      status: cells[at.status] ?? "",
      weight: count(cells[at.weight]),
      checkStatus: cells[at.checkStatus] ?? "",
      ...(code === "" ? {} : { checkCode: Number(code) }),
      retries: count(cells[at.retries]),
      redispatches: count(cells[at.redispatches]),
      connectionErrors: count(cells[at.connectionErrors]),
      responseErrors: count(cells[at.responseErrors]),
      ...(address === "" ? {} : { address }),
    };
  });
}

/**
 * The ELB state of a server row:
 * - `UP` (and `UP n/m`, still up while failing fewer checks than `fall`) → `healthy`;
 * - `DOWN` → `unhealthy`;
 * - `DOWN n/m` (passing checks, not yet `rise` of them) or a first check not yet run (`INI`) →
 *   `initial`;
 * - `DRAIN` / `NOLB` → `draining`; `MAINT` → `unused`; anything else (`no check`) → `unavailable`.
 */
export function targetStateOf(row: Pick<StatRow, "status" | "checkStatus">): TargetHealthState {
  const status = row.status.trim();
  if (status.startsWith("MAINT")) return "unused";
  if (status.startsWith("DRAIN") || status.startsWith("NOLB")) return "draining";
  if (row.checkStatus.replace(/^\* /, "") === "INI") return "initial";
  if (/^DOWN \d+\/\d+$/.test(status)) return "initial";
  if (status === "DOWN") return "unhealthy";
  if (status === "UP" || /^UP \d+\/\d+$/.test(status)) return "healthy";
  return "unavailable";
}

/** The target health of `servers` of `backend`, for the live check. */
export function targetHealthOf(
  rows: readonly StatRow[],
  backend: string,
  servers: readonly string[],
): TargetHealth[] {
  return rows
    .filter((row) => row.proxy === backend && servers.includes(row.server))
    .map((row) => {
      const [host, port] = (row.address ?? row.server).split(":");
      const state = targetStateOf(row);
      const reason = state === "healthy" || row.checkStatus === "" ? undefined : row.checkStatus;
      return {
        id: host ?? row.server,
        ...(port === undefined ? {} : { port: Number(port) }),
        state,
        ...(reason === undefined ? {} : { reason }),
        description: `${backend}/${row.server} ${row.status}`,
      };
    });
}

/** The row of `backend`/`server`; throws when HAProxy does not list it. */
export function findRow(rows: readonly StatRow[], backend: string, server: string): StatRow {
  const row = rows.find((candidate) => candidate.proxy === backend && candidate.server === server);
  if (row === undefined) throw new Error(`show stat lists no server ${backend}/${server}`);
  return row;
}
