/**
 * The program's resources for each stack file, as fake policy resources: the program runs once
 * per test process (the harness sets mocks and config for each run).
 */
import { runStack, type StackName } from "../harness";
import { fromRun, type FakeResource } from "./fakes";

const programRuns = new Map<string, Promise<FakeResource[]>>();

/** The program's resources for a stack file (run once per test process). */
export function programResources(stack: StackName): Promise<FakeResource[]> {
  let run = programRuns.get(stack);
  if (run === undefined) {
    run = runStack(stack).then((r) => fromRun(r.resources));
    programRuns.set(stack, run);
  }
  return run;
}
