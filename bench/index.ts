/**
 * `npm run bench`: Greenlight's speed and size targets, measured. Prints a table and, with
 * `--json`, the raw results. Exit code 1 when a target is missed.
 */
import { benchApp } from "./app";
import { benchCli } from "./cli";
import { benchHook } from "./hook";
import { benchRehearsal } from "./rehearsal";

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly target: string;
  readonly ok: boolean | undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};

  const hook = await benchHook();
  results.hook = hook;
  rows.push(
    {
      measure: "live hook bundle size",
      value: `${hook.bundle.kb.toFixed(1)} KB`,
      target: `≤ ${hook.bundle.targetKb} KB`,
      ok: hook.bundle.ok,
    },
    {
      measure: "live hook module load (median, AWS SDK included)",
      value: `${hook.load.medianMs.toFixed(0)} ms (SDK alone ${hook.load.sdkOnlyMedianMs.toFixed(0)} ms)`,
      target: "—",
      ok: undefined,
    },
    {
      measure: `version flip → Slack post (N=${hook.flipToSlack.consecutive}, ${hook.flipToSlack.intervalMs} ms)`,
      value: `${(hook.flipToSlack.ms / 1000).toFixed(2)} s`,
      target: `≤ ${(hook.flipToSlack.budgetMs / 1000).toFixed(1)} s`,
      ok: hook.flipToSlack.ok,
    },
    {
      measure: "CodeDeploy unavailable for 3 s → the report lands",
      value: `${(hook.verdictUnderOutage.ms / 1000).toFixed(2)} s after the first try, ${hook.verdictUnderOutage.reportCalls} calls, ${hook.verdictUnderOutage.accepted} accepted, ${hook.verdictUnderOutage.notices} notice`,
      target: "lands once, one notice",
      ok: hook.verdictUnderOutage.ok,
    },
  );

  const app = await benchApp();
  results.app = app;
  rows.push({
    measure: `app-sample on one core (${app.connections} keep-alive connections)`,
    value: `${Math.round(app.rps)} req/s, p50 ${app.latencyMs.p50.toFixed(1)} ms, p99 ${app.latencyMs.p99.toFixed(1)} ms, ${app.errors} errors`,
    target: "0 errors",
    ok: app.errors === 0,
  });

  const rehearsals = await benchRehearsal();
  results.rehearsal = rehearsals;
  for (const run of rehearsals) {
    rows.push({
      measure: `rehearsal ${run.stack}, ${run.connections} keep-alive connections + watcher`,
      value:
        `${run.achievedRps} req/s, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, ` +
        `failed ${run.failed} of ${run.requests} (deployment ${run.deploymentFailed}, timed out ${run.timedOut}), CPU ${run.cpuBusyPercent} %`,
      target: "0 failed",
      ok: run.ok,
    });
  }
  for (const run of rehearsals) {
    rows.push({
      measure: `rehearsal ${run.stack} at ${run.connections}: watcher p99 cutover / steady, flip → notice`,
      value:
        `${run.watcherP99.cutoverMs.toFixed(1)} ms / ${run.watcherP99.steadyMs.toFixed(1)} ms, ` +
        `${run.flipToNoticeMs === undefined ? "no notice" : `${run.flipToNoticeMs} ms`}`,
      target: "— (figures)",
      ok: undefined,
    });
  }

  const cli = await benchCli();
  results.cli = cli;
  rows.push({
    measure: `greenlight --help start-up (best of ${cli.runs} fresh processes)`,
    value:
      `${cli.bestMs.toFixed(0)} ms (median ${cli.medianMs.toFixed(0)} ms, CPU ${cli.cpuMedianMs?.toFixed(0) ?? "?"} ms; ` +
      `node -e "" alone ${cli.nodeMedianMs.toFixed(0)} ms; bundle ${cli.bundleKb.toFixed(0)} KB)`,
    target: `≤ ${cli.targetMs} ms`,
    ok: cli.ok,
  });

  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    const width = Math.max(...rows.map((r) => r.measure.length));
    for (const r of rows) {
      const mark = r.ok === undefined ? " " : r.ok ? "✔" : "✘";
      process.stdout.write(
        `${mark} ${r.measure.padEnd(width)}  ${r.value}  (target ${r.target})\n`,
      );
    }
  }
  return rows.some((r) => r.ok === false) ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(2);
    },
  );
}
