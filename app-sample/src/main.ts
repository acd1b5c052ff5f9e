/**
 * Entry point: read the environment, listen, and shut down gracefully on SIGTERM (what ECS and
 * `docker stop` send) or SIGINT. Exit 0 after a clean drain, 1 when the bound ran out, on a second
 * signal, or on a configuration error.
 */

import { ConfigError, loadConfig, type AppConfig } from "./config";
import { createLogger } from "./log";
import { startServer } from "./server";

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Extra time after the shutdown bound before the process exits no matter what. */
const EXIT_GRACE_MS = 1_000;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger({ level: "error", accessLog: false }).error("invalid configuration", {
      error: error.message,
    });
    process.exit(1);
  }

  const logger = createLogger({ level: config.logLevel, accessLog: config.accessLog });
  const handle = await startServer(config, { logger });

  let stopping = false;
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn("second signal; exiting now", { signal });
        process.exit(1);
      }
      stopping = true;
      setTimeout(() => process.exit(1), config.shutdownTimeoutMs + EXIT_GRACE_MS).unref();
      void handle.close(signal).then((result) => process.exit(result.forced ? 1 : 0));
    });
  }
}

main().catch((error: unknown) => {
  createLogger({ level: "error", accessLog: false }).error("failed to start", {
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
