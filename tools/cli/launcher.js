#!/usr/bin/env node
/**
 * The `greenlight` command (package.json `bin`): runs the bundle in dist/, rebuilding it first
 * when a source is newer (a fresh checkout, or after an edit), so it never runs stale code and
 * never compiles TypeScript on an ordinary start.
 */
"use strict";
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node itself */
// The AWS SDK's notice about Node.js versions it will drop speaks of the SDK, not of this
// command: keep it out of the output (a value the user set wins).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { buildCli, isStale, outputs } = require("./build.js");
const path = require("node:path");

const outdir = path.resolve(__dirname, "..", "..", "dist");
if (isStale(outdir)) {
  try {
    buildCli(outdir);
  } catch (error) {
    process.stderr.write(
      `greenlight: cannot build ${outdir}: ${error.message}\nRun npm run build:cli.\n`,
    );
    process.exit(1);
  }
}
require(outputs(outdir).bundle);
