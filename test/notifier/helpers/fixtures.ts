import { readFileSync } from "node:fs";
import * as path from "node:path";

/** The sample EventBridge events under `test/notifier/events/`. */
export type EventFixture =
  | "action-execution-failed"
  | "cloudwatch-alarm-alarm"
  | "cloudwatch-alarm-ok"
  | "codedeploy-deployment-failure"
  | "codedeploy-deployment-stop"
  | "codedeploy-deployment-success"
  | "ecs-deployment-completed"
  | "ecs-deployment-failed"
  | "ecs-deployment-in-progress"
  | "ecs-deployment-rollback"
  | "ecs-task-running"
  | "ecs-task-stopped-bluegreen-cleanup"
  | "ecs-task-stopped-crash"
  | "ecs-task-stopped-elb-health-checks"
  | "ecs-task-stopped-failed-to-start"
  | "ecs-task-stopped-oom"
  | "ecs-task-stopped-scale-in"
  | "ecs-task-stopped-spot"
  | "ecs-task-stopped-user"
  | "pipeline-execution-failed"
  | "pipeline-execution-succeeded"
  | "pipeline-execution-superseded"
  | "stage-execution-failed";

/** A fresh copy of a sample event. */
export function loadEvent(name: EventFixture): Record<string, unknown> {
  const file = path.join(__dirname, "..", "events", `${name}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}
