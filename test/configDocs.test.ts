import { strict as assert } from "assert";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import {
  MODELINE,
  README_END,
  README_START,
  SCHEMA_FILE,
  configReference,
  stackFileJsonSchema,
  stackFileJsonSchemaText,
} from "../components/config/docs";
import { REPO_ROOT, STACKS } from "../components/stackFile";
import { withReference } from "../tools/schema";

/* eslint-disable @typescript-eslint/no-explicit-any -- stack files are untyped YAML by nature */

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
const stackFile = (stack: string): any => parse(read(`Pulumi.${stack}.yaml`));

describe("configuration schema for editors and the README", () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(stackFileJsonSchema());
  const errors = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []));

  it("commits the JSON Schema npm run schema generates", () => {
    assert.equal(read(SCHEMA_FILE), stackFileJsonSchemaText(), "stale: run npm run schema");
  });

  it("commits the README reference npm run schema generates", () => {
    const readme = read("README.md");
    assert.equal(withReference(readme), readme, "stale: run npm run schema");
    const block = readme.slice(
      readme.indexOf(README_START),
      readme.indexOf(README_END) + README_END.length,
    );
    assert.equal(block, configReference());
  });

  it("finds a README whose reference was edited by hand stale", () => {
    const readme = read("README.md").replace("| `keepImages` | `30` |", "| `keepImages` | `20` |");
    assert.notEqual(withReference(readme), readme);
  });

  for (const stack of STACKS) {
    it(`validates Pulumi.${stack}.yaml, which starts with the modeline pointing at it`, () => {
      assert.equal(read(`Pulumi.${stack}.yaml`).split("\n")[0], MODELINE);
      assert.ok(fs.existsSync(path.join(REPO_ROOT, MODELINE.split("$schema=")[1])));
      assert.deepEqual(errors(stackFile(stack)), []);
    });
  }

  it("rejects a misspelt key, at the top and inside a service", () => {
    const top = stackFile("dev");
    top.config["greenlight:servics"] = top.config["greenlight:services"];
    const found = errors(top);
    assert.ok(
      found.some(
        (e) =>
          e.keyword === "additionalProperties" &&
          e.params.additionalProperty === "greenlight:servics",
      ),
    );

    const nested = stackFile("dev");
    nested.config["greenlight:services"][0].cpus = 256;
    assert.ok(
      errors(nested).some(
        (e) =>
          e.instancePath === "/config/greenlight:services/0" &&
          e.params.additionalProperty === "cpus",
      ),
    );
  });

  it("rejects values out of range or of the wrong kind, and accepts other namespaces", () => {
    const doc = stackFile("prod");
    doc.config["greenlight:services"][0].cpu = 300;
    doc.config["greenlight:liveCheck"].deadlineSeconds = 900;
    doc.config["greenlight:network"].natGateways = "two";
    doc.config["aws:defaultTags"] = { tags: { team: "shop" } };
    const paths = errors(doc)
      .map((e) => e.instancePath)
      .sort();
    assert.deepEqual(
      [...new Set(paths)],
      [
        "/config/greenlight:liveCheck/deadlineSeconds",
        "/config/greenlight:network/natGateways",
        "/config/greenlight:services/0/cpu",
      ],
    );
  });

  it("takes the webhook only as a secret, never as plain text", () => {
    const doc = stackFile("dev");
    doc.config["greenlight:slackWebhookUrl"] = { secure: "v1:AAAA" };
    assert.deepEqual(errors(doc), []);
    doc.config["greenlight:slackWebhookUrl"] = "https://hooks.slack.com/services/T/B/x";
    assert.ok(errors(doc).length > 0);
  });

  it("requires the keys the program requires, and documents every key with its default", () => {
    const config = (stackFileJsonSchema().properties as any).config;
    assert.deepEqual(config.required, [
      "greenlight:environment",
      "greenlight:network",
      "greenlight:services",
      "greenlight:source",
    ]);
    const missing: string[] = [];
    const walk = (schema: any, key: string) => {
      if (!schema.description) missing.push(key);
      const map = schema.type === "array" ? schema.items : schema;
      for (const [k, sub] of Object.entries<any>(map?.properties ?? {})) walk(sub, `${key}.${k}`);
    };
    for (const [k, sub] of Object.entries<any>(config.properties)) walk(sub, k);
    assert.deepEqual(
      missing.filter((k) => !k.endsWith(".secure")),
      [],
    );
    assert.equal(config.properties["greenlight:keepImages"].default, 30);
    assert.match(
      config.properties["greenlight:logRetentionDays"].description,
      /Default: 14 \(production 90\)\./,
    );
  });
});
