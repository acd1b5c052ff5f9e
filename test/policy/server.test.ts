/**
 * The pack through @pulumi/policy's own analyzer: the handlers its policy server runs for each
 * engine call (`Analyze` per resource with its inputs, `AnalyzeStack` once with every resource's
 * outputs), fed protobuf requests shaped like the engine's — property Structs, the engine's
 * unknown-value sentinels, resource options. This covers what the fakes only imitate:
 * deserialisation, the unknown-checking proxy, type filtering, enforcement levels and the
 * "can't run during preview" fallback. No server starts: the handlers are called directly.
 */
import { strict as assert } from "assert";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import * as policyServer from "@pulumi/policy/server";
import { PACK_NAME, policies } from "../../policy/pack";
import { TYPES } from "../../policy/lib/types";
import { urnOf, withEdit, type FakeResource } from "./fakes";
import { asPreview, programResources } from "./program";

type Handler = (
  call: { request: unknown },
  callback: (error: unknown, response?: analyzer.AnalyzeResponse) => void,
) => Promise<void>;

/** The handler factories of @pulumi/policy/server (internal: typed here for the pinned 1.21.0). */
const server = policyServer as unknown as {
  makeAnalyzeRpcFun(name: string, version: string, level: string, p: typeof policies): Handler;
  makeAnalyzeStackRpcFun(name: string, version: string, level: string, p: typeof policies): Handler;
};

interface Diagnostic {
  readonly policy: string;
  readonly level: "advisory" | "mandatory" | "other";
  readonly urn: string;
  readonly message: string;
}

function struct(props: Record<string, unknown>): Struct {
  // The engine never sends undefined: drop it, as JSON does.
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Record<string, never>);
}

function options(r: FakeResource): analyzer.AnalyzerResourceOptions {
  const opts = new analyzer.AnalyzerResourceOptions();
  opts.setProtect(false);
  opts.setIgnorechangesList([...(r.ignoreChanges ?? [])]);
  return opts;
}

function call(handler: Handler, request: unknown): Promise<Diagnostic[]> {
  return new Promise((resolve, reject) => {
    void handler({ request }, (error, response) => {
      if (error) return reject(error);
      resolve(
        (response?.getDiagnosticsList() ?? []).map((d) => ({
          policy: d.getPolicyname(),
          level:
            d.getEnforcementlevel() === analyzer.EnforcementLevel.ADVISORY
              ? "advisory"
              : d.getEnforcementlevel() === analyzer.EnforcementLevel.MANDATORY
                ? "mandatory"
                : "other",
          urn: d.getUrn(),
          message: d.getMessage(),
        })),
      );
    });
  });
}

/** Every diagnostic the pack's analyzer reports for these resources, as the engine would get them. */
async function analyze(resources: readonly FakeResource[]): Promise<Diagnostic[]> {
  const perResource = server.makeAnalyzeRpcFun(PACK_NAME, "0.1.0", "advisory", policies);
  const stack = server.makeAnalyzeStackRpcFun(PACK_NAME, "0.1.0", "advisory", policies);
  const diagnostics: Diagnostic[] = [];
  for (const r of resources) {
    const request = new analyzer.AnalyzeRequest();
    request.setType(r.type);
    request.setName(r.name);
    request.setUrn(urnOf(r));
    request.setProperties(struct(r.props));
    request.setOptions(options(r));
    // The engine files a resource's diagnostics under the resource it asked about.
    const found = await call(perResource, request);
    diagnostics.push(...found.map((d) => ({ ...d, urn: d.urn === "" ? urnOf(r) : d.urn })));
  }
  const request = new analyzer.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((r) => {
      const resource = new analyzer.AnalyzerResource();
      resource.setType(r.type);
      resource.setName(r.name);
      resource.setUrn(urnOf(r));
      resource.setProperties(struct(r.outputs ?? r.props));
      resource.setOptions(options(r));
      return resource;
    }),
  );
  diagnostics.push(...(await call(stack, request)));
  return diagnostics;
}

describe("the pack in @pulumi/policy's own analyzer", function () {
  this.timeout(60_000);

  for (const stack of ["dev", "prod"] as const) {
    it(`reports nothing for the ${stack} stack`, async () => {
      assert.deepEqual(await analyze(await programResources(stack)), []);
    });

    it(`reports nothing for a preview of the ${stack} stack — not even "can't run during preview"`, async () => {
      assert.deepEqual(await analyze(asPreview(await programResources(stack))), []);
    });
  }

  it("reports a broken program as mandatory, on the resource, with the policy's name", async () => {
    const dev = await programResources("dev");
    const broken = withEdit(
      withEdit(dev, TYPES.ecsService, "web-service", (p) => {
        p.deploymentController = { type: "ECS" };
      }),
      TYPES.ecrRepository,
      "orders",
      (p) => {
        p.imageTagMutability = "MUTABLE";
      },
    );
    const diagnostics = await analyze(broken);
    assert.deepEqual(
      diagnostics.map((d) => [d.policy, d.level, d.urn.split("::").pop()]),
      [
        ["greenlight-ecr-scan-immutable", "mandatory", "orders"],
        ["greenlight-service-codedeploy-controller", "mandatory", "web-service"],
      ],
    );
    assert.match(diagnostics[0].message, /imageTagMutability "MUTABLE"/);
  });

  it("reports a missing tag as advisory", async () => {
    const dev = await programResources("dev");
    const untagged = withEdit(dev, TYPES.logGroup, "web-logs", (p) => {
      p.tags = { environment: "dev" };
    });
    const diagnostics = await analyze(untagged);
    assert.deepEqual(
      diagnostics.map((d) => [d.policy, d.level]),
      [["greenlight-required-tags", "advisory"]],
    );
  });
});
