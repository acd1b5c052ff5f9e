import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { at, isUnknown, refersTo, resolveProps, type Props } from "./values";

/** One resource of the stack, with its properties resolved (see `resolve`). */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Props;
  readonly ignoreChanges: readonly string[];
  /** URNs of the resources each top-level property depends on, when the engine says so. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

/** The resources of a stack, indexed by type. */
export class StackView {
  public readonly resources: readonly StackResource[];

  constructor(resources: readonly PolicyResource[]) {
    this.resources = resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: resolveProps(r.props),
      ignoreChanges: r.opts?.ignoreChanges ?? [],
      propertyDependencies: Object.fromEntries(
        Object.entries(r.propertyDependencies ?? {}).map(([prop, deps]) => [
          prop,
          deps.map((d) => d.urn),
        ]),
      ),
    }));
  }

  /** A view of a stack validation's resources. */
  static of(args: StackValidationArgs): StackView {
    return new StackView(args.resources);
  }

  /** The resources of these types. */
  ofType(...types: readonly string[]): StackResource[] {
    return this.resources.filter((r) => types.includes(r.type));
  }
}

/**
 * Whether `from`'s top-level property `prop` (or the value `reference` inside it) points at
 * `target`: by the engine's property dependencies when it reports them, else by value against the
 * target's identifiers. `undefined` when unknown values leave it open (preview).
 */
export function pointsAt(
  from: StackResource,
  prop: string,
  target: StackResource,
  identifiers: readonly unknown[],
  reference: unknown = at(from.props, prop),
): boolean | undefined {
  const deps = from.propertyDependencies[prop];
  if (deps !== undefined && deps.includes(target.urn)) return true;
  const byValue = refersTo(reference, identifiers);
  if (byValue === undefined && deps !== undefined && deps.length > 0 && isUnknown(reference)) {
    // The engine says which resources the value comes from, and the target is not one of them.
    return false;
  }
  return byValue;
}

/** How a violation names a resource: its type and logical name. */
export function describe(r: { readonly type: string; readonly name: string }): string {
  const short = r.type.split(":").pop() ?? r.type;
  return `${short} "${r.name}"`;
}
