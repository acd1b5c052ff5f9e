/**
 * The program's resources for each stack file, as fake policy resources: the program runs once
 * per test process (the harness shares each stack's run).
 */
import { stackRun, type StackName } from "../harness";
import { fromRun, UNKNOWN_STRING, type FakeResource } from "./fakes";

/** The program's resources for a stack file (the harness runs each stack once per process). */
export async function programResources(stack: StackName): Promise<FakeResource[]> {
  return fromRun((await stackRun(stack)).resources);
}

/**
 * A preview's view of the same resources: every value the engine cannot know before `pulumi up`
 * (ids, ARNs, generated names, and any string built from them) is unknown.
 */
export function asPreview(resources: readonly FakeResource[]): FakeResource[] {
  const generated = /(^|[^a-z0-9])[a-z0-9-]+-id($|[^a-z0-9])|arn:aws:|-0a1b2c3|\.amazonaws\.com/;
  const blank = (value: unknown): unknown => {
    if (typeof value === "string") return generated.test(value) ? UNKNOWN_STRING : value;
    if (Array.isArray(value)) return value.map(blank);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blank(v)]));
    }
    return value;
  };
  return resources.map((r) => {
    const props = blank(r.props) as Record<string, unknown>;
    // Before creation a resource's outputs are its inputs; computed ones are unknown.
    const outputs = { ...props, id: UNKNOWN_STRING, arn: UNKNOWN_STRING };
    return { ...r, props, outputs };
  });
}
