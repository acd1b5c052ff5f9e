/**
 * Fake @pulumi/policy arguments, so the pack's own policy code runs in-process: resource
 * validations get `ResourceValidationArgs`, stack validations `StackValidationArgs`, both with the
 * properties wrapped in @pulumi/policy's own unknown-checking proxy, as the policy server does.
 * `fromRun` turns what the program registers under mocks into such resources.
 */
import * as policyRuntime from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import type {
  Policies,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Recorded } from "../harness";

/** The engine's marker for a string not known during preview (what the proxy turns into errors). */
export const UNKNOWN_STRING = (proxyModule as unknown as { unknownStringValue: string })
  .unknownStringValue;

const unknownCheckingProxy = (
  policyRuntime as unknown as { unknownCheckingProxy: <T extends object>(o: T) => T }
).unknownCheckingProxy;

/** A resource as the tests describe it. */
export interface FakeResource {
  readonly type: string;
  readonly name: string;
  /** Inputs: what resource validations see. */
  readonly props: Record<string, unknown>;
  /** Outputs: what stack validations see. @default - the inputs */
  readonly outputs?: Record<string, unknown>;
  readonly ignoreChanges?: readonly string[];
  /** Top-level property → names of the resources it depends on. */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** One reported violation. */
export interface Violation {
  readonly policy: string;
  readonly message: string;
  readonly urn: string;
}

/** The URN of a fake resource. */
export function urnOf(r: { readonly type: string; readonly name: string }): string {
  return `urn:pulumi:test::greenlight::${r.type}::${r.name}`;
}

/** Thrown by `notApplicable()`, as the policy server's own error is. */
export class NotApplicable extends Error {}

/** The policy server's type test: the class's `__pulumiType`, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const cls = resourceClass as {
    __pulumiType?: unknown;
    isInstance?: (o: unknown) => boolean;
  };
  if (typeof cls.__pulumiType === "string" && cls.__pulumiType !== "") {
    return cls.__pulumiType === type;
  }
  return typeof cls.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

function options(r: FakeResource): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [...(r.ignoreChanges ?? [])],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
}

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason ?? "not applicable");
};

/** `ResourceValidationArgs` for a fake resource (its inputs, proxied). */
export function resourceArgs(r: FakeResource): ResourceValidationArgs {
  const props = unknownCheckingProxy({ ...r.props });
  return {
    type: r.type,
    name: r.name,
    urn: urnOf(r),
    props,
    opts: options(r),
    stackTags: new Map(),
    isType: (cls) => isTypeOf(r.type, cls),
    asType: ((cls: unknown) =>
      isTypeOf(r.type, cls) ? props : undefined) as unknown as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
}

/** `StackValidationArgs` for fake resources (their outputs, proxied). */
export function stackArgs(resources: readonly FakeResource[]): StackValidationArgs {
  const byName = new Map<string, PolicyResource>();
  const out: PolicyResource[] = resources.map((r) => {
    const props = unknownCheckingProxy({ ...(r.outputs ?? r.props) });
    const resource: PolicyResource = {
      type: r.type,
      name: r.name,
      urn: urnOf(r),
      props,
      opts: options(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(r.type, cls),
      asType: ((cls: unknown) =>
        isTypeOf(r.type, cls) ? props : undefined) as unknown as PolicyResource["asType"],
    };
    byName.set(r.name, resource);
    return resource;
  });
  resources.forEach((r, i) => {
    for (const [prop, names] of Object.entries(r.propertyDependencies ?? {})) {
      out[i].propertyDependencies[prop] = names.map((n) => {
        const dep = byName.get(n);
        if (dep === undefined) throw new Error(`no fake resource named ${n}`);
        return dep;
      });
    }
  });
  return {
    resources: out,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
}

function isStackPolicy(
  p: ResourceValidationPolicy | StackValidationPolicy,
): p is StackValidationPolicy {
  return "validateStack" in p && typeof p.validateStack === "function";
}

/**
 * Runs policies as the engine does: each resource validation on every resource, each stack
 * validation once on all of them. Returns every violation.
 */
export async function validate(
  policies: Policies | readonly (ResourceValidationPolicy | StackValidationPolicy)[],
  resources: readonly FakeResource[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of policies) {
    if (isStackPolicy(policy)) {
      try {
        await policy.validateStack(stackArgs(resources), (message, urn) =>
          violations.push({ policy: policy.name, message, urn: urn ?? "" }),
        );
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
      continue;
    }
    const validations: ResourceValidation[] = ([] as ResourceValidation[]).concat(
      policy.validateResource ?? [],
    );
    for (const r of resources) {
      for (const validation of validations) {
        try {
          await validation(resourceArgs(r), (message) =>
            violations.push({ policy: policy.name, message, urn: urnOf(r) }),
          );
        } catch (e) {
          if (!(e instanceof NotApplicable)) throw e;
        }
      }
    }
  }
  return violations;
}

/** The messages of violations, for assertions. */
export function messages(violations: readonly Violation[]): string[] {
  return violations.map((v) => v.message);
}

/**
 * The program's resources as the policies see them: inputs for resource validations, and for
 * stack validations the mocks' outputs plus the `id` the mocks returned (real outputs carry it).
 */
export function fromRun(resources: readonly Recorded[]): FakeResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    props: { ...r.inputs },
    outputs: { id: `${r.name}-id`, ...r.state },
    ignoreChanges: r.ignoreChanges,
  }));
}

/** A deep copy with `edit` applied to one resource's inputs and outputs alike. */
export function withEdit(
  resources: readonly FakeResource[],
  type: string,
  name: string,
  edit: (props: Record<string, unknown>) => void,
): FakeResource[] {
  let found = false;
  const out = resources.map((r) => {
    if (r.type !== type || r.name !== name) return r;
    found = true;
    const props = structuredClone(r.props);
    const outputs = structuredClone(r.outputs ?? r.props);
    edit(props);
    edit(outputs);
    return { ...r, props, outputs };
  });
  if (!found) throw new Error(`no ${type} named ${name}`);
  return out;
}

/** One fake resource by type and name. */
export function find(resources: readonly FakeResource[], type: string, name: string): FakeResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}
