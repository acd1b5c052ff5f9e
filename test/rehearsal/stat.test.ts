import * as assert from "node:assert/strict";

import { evaluateTargets } from "../../hooks/core/targets";
import { findRow, parseStatCsv, targetHealthOf, targetStateOf } from "../../tools/rehearsal/stat";

/** The header HAProxy 2.6 answers to `show stat`. */
const HEADER =
  "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,";
const COLUMNS = HEADER.slice(2).split(",");

/** A CSV row with the given columns set, the rest empty (as HAProxy leaves unused columns). */
function row(values: Readonly<Record<string, string | number>>): string {
  return COLUMNS.map((name) => String(values[name] ?? "")).join(",");
}

const CSV = [
  HEADER,
  row({ pxname: "fe_prod", svname: "FRONTEND", scur: 3, status: "OPEN" }),
  row({
    pxname: "be_prod",
    svname: "blue",
    scur: 2,
    status: "DRAIN",
    weight: 0,
    check_status: "L7OK",
    check_code: 200,
    addr: "127.0.0.1:18090",
  }),
  row({
    pxname: "be_prod",
    svname: "green",
    scur: 1,
    status: "UP",
    weight: 256,
    check_status: "L7OK",
    check_code: 200,
    addr: "127.0.0.1:18091",
  }),
  row({
    pxname: "be_prod",
    svname: "BACKEND",
    scur: 3,
    status: "UP",
    weight: 256,
    wretr: 2,
    wredis: 1,
    econ: 4,
    eresp: 5,
  }),
  "",
].join("\n");

describe("rehearsal HAProxy stats", () => {
  it("reads the rows of `show stat` by column name", () => {
    const rows = parseStatCsv(CSV);
    assert.equal(rows.length, 4);
    assert.deepEqual(findRow(rows, "be_prod", "green"), {
      proxy: "be_prod",
      server: "green",
      sessions: 1,
      status: "UP",
      weight: 256,
      checkStatus: "L7OK",
      checkCode: 200,
      retries: 0,
      redispatches: 0,
      connectionErrors: 0,
      responseErrors: 0,
      address: "127.0.0.1:18091",
    });
    const backend = findRow(rows, "be_prod", "BACKEND");
    assert.equal(backend.retries, 2);
    assert.equal(backend.redispatches, 1);
    assert.equal(backend.connectionErrors, 4);
    assert.equal(backend.responseErrors, 5);
    assert.equal(backend.address, undefined);
  });

  it("fails clearly on an answer that is not the CSV, or a header without a needed column", () => {
    assert.throws(() => parseStatCsv("Unknown command.\n"), /show stat did not answer CSV/);
    assert.throws(() => parseStatCsv("# pxname,svname\nbe,blue\n"), /no "scur" column/);
    assert.throws(() => findRow(parseStatCsv(CSV), "be_test", "blue"), /no server be_test\/blue/);
  });

  it("maps HAProxy's server states to load balancer target health", () => {
    const cases: [string, string, string][] = [
      ["UP", "L7OK", "healthy"],
      ["UP 1/2", "L7STS", "healthy"], // still up: failed fewer checks than `fall`
      ["UP 1/2", "INI", "initial"], // just started, first check not run yet
      ["DOWN", "L4CON", "unhealthy"],
      ["DOWN 1/2", "L7OK", "initial"], // passing, not yet `rise` checks
      ["DOWN 1/2", "* L7OK", "initial"],
      ["DRAIN", "L7OK", "draining"],
      ["NOLB", "L7OK", "draining"],
      ["MAINT", "", "unused"],
      ["MAINT (via be_prod/blue)", "", "unused"],
      ["no check", "", "unavailable"],
    ];
    for (const [status, checkStatus, expected] of cases) {
      assert.equal(targetStateOf({ status, checkStatus }), expected, `${status} / ${checkStatus}`);
    }
  });

  it("gives the live check the target health of the live slot", () => {
    const rows = parseStatCsv(CSV);
    const green = targetHealthOf(rows, "be_prod", ["green"]);
    assert.deepEqual(green, [
      { id: "127.0.0.1", port: 18091, state: "healthy", description: "be_prod/green UP" },
    ]);
    assert.equal(evaluateTargets(green).healthy, true);
    const both = targetHealthOf(rows, "be_prod", ["blue", "green"]);
    assert.deepEqual(both[0], {
      id: "127.0.0.1",
      port: 18090,
      state: "draining",
      reason: "L7OK",
      description: "be_prod/blue DRAIN",
    });
    assert.equal(evaluateTargets(both).healthy, false);
  });
});
