import * as assert from "node:assert/strict";

import * as contract from "../../hooks/core/build-metadata";
import {
  BuildEnv,
  ConfigError,
  DEV_VERSION,
  buildInfoFromEnvironment,
  loadConfig,
} from "../src/config";

const FULL_METADATA = {
  GREENLIGHT_VERSION: "v0.0.2",
  GREENLIGHT_COMMIT: "0123456789abcdef0123456789abcdef01234567",
  GREENLIGHT_REF: "v0.0.2",
  GREENLIGHT_REF_TYPE: "tag",
  GREENLIGHT_COMMIT_MESSAGE: "Answer the new version",
  GREENLIGHT_AUTHOR: "Ada",
  GREENLIGHT_SERVICE: "web",
  GREENLIGHT_ENVIRONMENT: "prod",
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail("expected loadConfig to throw");
}

describe("app-sample config", () => {
  it("uses the documented defaults for an empty environment", () => {
    const config = loadConfig({});
    assert.deepEqual(
      {
        port: config.port,
        host: config.host,
        versionPath: config.versionPath,
        version: config.build.version,
        refType: config.build.refType,
        logLevel: config.logLevel,
        accessLog: config.accessLog,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        keepAliveTimeoutMs: config.keepAliveTimeoutMs,
        unhealthy: config.unhealthy,
        responseDelayMs: config.responseDelayMs,
      },
      {
        port: 8080,
        host: "0.0.0.0",
        versionPath: "/version",
        version: "0.0.0-dev",
        refType: "branch",
        logLevel: "info",
        accessLog: true,
        shutdownTimeoutMs: 10_000,
        keepAliveTimeoutMs: 65_000,
        unhealthy: false,
        responseDelayMs: 0,
      },
    );
  });

  it("reads the build metadata from the GREENLIGHT_* variables", () => {
    assert.deepEqual(loadConfig(FULL_METADATA).build, {
      version: "v0.0.2",
      commit: "0123456789abcdef0123456789abcdef01234567",
      ref: "v0.0.2",
      refType: "tag",
      commitMessage: "Answer the new version",
      author: "Ada",
      service: "web",
      environment: "prod",
    });
  });

  it("answers the dev version when GREENLIGHT_VERSION is unset or blank", () => {
    assert.equal(buildInfoFromEnvironment({}).version, DEV_VERSION);
    assert.equal(buildInfoFromEnvironment({ GREENLIGHT_VERSION: "  " }).version, DEV_VERSION);
  });

  it("uses the same variable names as the contract in hooks/core/build-metadata.ts", () => {
    const served = Object.entries(contract.BuildEnv).filter(([key]) => key !== "repositoryUrl");
    assert.deepEqual(Object.entries(BuildEnv), served);
  });

  it("reads the build metadata exactly as the live hook does", () => {
    for (const env of [FULL_METADATA, { ...FULL_METADATA, GREENLIGHT_REF_TYPE: "weird" }]) {
      const info = buildInfoFromEnvironment(env);
      const expected = contract.buildMetadataFromEnvironment(env);
      for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
        assert.equal(info[key], expected[key], key);
      }
    }
  });

  it("reads the runtime switches", () => {
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      GREENLIGHT_VERSION_PATH: "/api/version",
      LOG_LEVEL: "SILENT",
      GREENLIGHT_ACCESS_LOG: "off",
      SHUTDOWN_TIMEOUT_MS: "2500",
      KEEP_ALIVE_TIMEOUT_MS: "75000",
      GREENLIGHT_SAMPLE_UNHEALTHY: "1",
      GREENLIGHT_SAMPLE_DELAY_MS: "250",
    });
    assert.equal(config.port, 0);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.versionPath, "/api/version");
    assert.equal(config.logLevel, "silent");
    assert.equal(config.accessLog, false);
    assert.equal(config.shutdownTimeoutMs, 2500);
    assert.equal(config.keepAliveTimeoutMs, 75_000);
    assert.equal(config.unhealthy, true);
    assert.equal(config.responseDelayMs, 250);
  });

  it("fails on a port that is not a whole number in range, naming the variable", () => {
    assert.equal(
      configError({ PORT: "http" }),
      'PORT is "http"; use a whole number from 0 to 65535 (unset means 8080).',
    );
    assert.match(configError({ PORT: "70000" }), /^PORT is "70000"/);
    assert.match(configError({ PORT: "-1" }), /^PORT is "-1"/);
  });

  it("fails on an unknown log level or switch value", () => {
    assert.equal(
      configError({ LOG_LEVEL: "loud" }),
      'LOG_LEVEL is "loud"; use one of debug, info, warn, error, silent.',
    );
    assert.match(
      configError({ GREENLIGHT_ACCESS_LOG: "maybe" }),
      /^GREENLIGHT_ACCESS_LOG is "maybe"; use one of 1, true, yes, on, 0, false, no, off\.$/,
    );
  });

  it("fails on a version path that is not an absolute path or takes /health", () => {
    assert.match(configError({ GREENLIGHT_VERSION_PATH: "version" }), /absolute URL path/);
    assert.match(configError({ GREENLIGHT_VERSION_PATH: "/version?x=1" }), /no query/);
    assert.match(configError({ GREENLIGHT_VERSION_PATH: "/health" }), /health check path/);
  });

  it("fails on a zero shutdown bound or an excessive delay", () => {
    assert.match(configError({ SHUTDOWN_TIMEOUT_MS: "0" }), /^SHUTDOWN_TIMEOUT_MS is "0"/);
    assert.match(
      configError({ GREENLIGHT_SAMPLE_DELAY_MS: "600000" }),
      /^GREENLIGHT_SAMPLE_DELAY_MS is "600000"; use a whole number from 0 to 60000/,
    );
  });
});
