/**
 * `npm run schema`: writes what the configuration schema documents, so it never drifts — the
 * editors' JSON Schema (schema/greenlight.stack.schema.json) and the README's configuration
 * reference (between its marker comments). `--check` only reports whether either is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  README_END,
  README_START,
  SCHEMA_FILE,
  configReference,
  stackFileJsonSchemaText,
} from "../components/config/docs";
import { REPO_ROOT } from "../components/stackFile";

/** The README with its reference block replaced by the generated one. */
export function withReference(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no "${README_START}" … "${README_END}" block to fill in.`);
  }
  return readme.slice(0, start) + configReference() + readme.slice(end + README_END.length);
}

/** The files `npm run schema` writes, with their generated text. */
export function generatedFiles(root = REPO_ROOT): { file: string; text: string }[] {
  const readme = path.join(root, "README.md");
  return [
    { file: path.join(root, SCHEMA_FILE), text: stackFileJsonSchemaText() },
    { file: readme, text: withReference(fs.readFileSync(readme, "utf8")) },
  ];
}

function main(): void {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const { file, text } of generatedFiles()) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (current === text) continue;
    stale++;
    if (check) {
      console.error(`${path.relative(REPO_ROOT, file)} is stale: run npm run schema.`);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.error(`wrote ${path.relative(REPO_ROOT, file)}`);
    }
  }
  process.exitCode = check && stale > 0 ? 1 : 0;
}

if (require.main === module) main();
