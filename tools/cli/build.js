#!/usr/bin/env node
/**
 * Bundles the `greenlight` command line (tools/greenlight.ts) into dist/greenlight.js with
 * esbuild, the packages left to node_modules, so the command starts without compiling
 * TypeScript; dist/greenlight.meta.json lists the sources it was built from, for the freshness
 * check the launcher runs. `npm run build:cli` (and `npm ci`, through `prepare`) runs it.
 */
"use strict";
/* global require, module, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node itself */
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

/** Where the bundle and its list of sources go. */
function outputs(outdir) {
  return {
    bundle: path.join(outdir, "greenlight.js"),
    meta: path.join(outdir, "greenlight.meta.json"),
  };
}

/** Builds the bundle (synchronously); returns its paths. */
function buildCli(outdir = path.join(ROOT, "dist"), root = ROOT) {
  const esbuild = require("esbuild");
  const { bundle, meta } = outputs(outdir);
  fs.mkdirSync(outdir, { recursive: true });
  const result = esbuild.buildSync({
    entryPoints: [path.join(root, "tools", "greenlight.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    metafile: true,
    logLevel: "warning",
    banner: { js: "#!/usr/bin/env node" },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((file) => path.relative(root, path.resolve(process.cwd(), file)))
    .sort();
  fs.writeFileSync(meta, `${JSON.stringify({ inputs }, null, 2)}\n`);
  return { bundle, meta };
}

/** Whether the bundle is missing, or older than one of the sources it lists (or one is gone). */
function isStale(outdir = path.join(ROOT, "dist"), root = ROOT) {
  const { bundle, meta } = outputs(outdir);
  let built;
  let inputs;
  try {
    built = fs.statSync(bundle).mtimeMs;
    inputs = JSON.parse(fs.readFileSync(meta, "utf8")).inputs;
  } catch {
    return true;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return true;
  for (const file of inputs) {
    try {
      if (fs.statSync(path.join(root, file)).mtimeMs > built) return true;
    } catch {
      return true;
    }
  }
  return false;
}

module.exports = { buildCli, isStale, outputs, ROOT };

if (require.main === module) {
  const { bundle } = buildCli();
  process.stderr.write(`greenlight: built ${path.relative(process.cwd(), bundle)}\n`);
}
