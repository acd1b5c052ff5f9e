/**
 * `npm run status -- <env> [service|all] [--json] [--history <service>] [--region <r>]`: what runs
 * where. The logic is in `./status/`; this file only runs it with the real clients and streams.
 */
import { createStatusClients, main } from "./status/main";

export { main } from "./status/main";

if (require.main === module) {
  void main(process.argv.slice(2), {
    clients: createStatusClients,
    stdout: process.stdout,
    stderr: process.stderr,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`status: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
