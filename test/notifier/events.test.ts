import { strict as assert } from "node:assert";
import {
  classifyEvent,
  exitCodeOf,
  incidentKey,
  judgeTaskStop,
  servicesArnPrefix,
  type Classification,
  type Incident,
} from "../../hooks/notifier/events";
import { loadEvent, type EventFixture } from "./helpers/fixtures";

function incidentOf(name: EventFixture): Incident {
  const classification = classifyEvent(loadEvent(name));
  assert.equal(classification.kind, "incident", JSON.stringify(classification));
  return (classification as Extract<Classification, { kind: "incident" }>).incident;
}

describe("hooks/notifier/events", () => {
  it("reads a failed pipeline execution, which names no stage, branch or commit", () => {
    assert.deepEqual(incidentOf("pipeline-execution-failed"), {
      kind: "pipeline",
      pipeline: "greenlight-dev-checkout",
      executionId: "5bd1c1d2-8a14-4a55-9e0f-0c2b2d7a9e31",
      state: "FAILED",
      level: "pipeline",
      trigger: {
        type: "WebhookV2",
        detail:
          "arn:aws:codeconnections:eu-west-1:123456789012:connection/0defde9e-8b96-474b-b276-459c07f5fafd",
      },
      region: "eu-west-1",
      time: "2026-11-22T09:14:03Z",
    });
  });

  it("reads the failed action: stage, action, provider, error code, summary and build link", () => {
    const incident = incidentOf("action-execution-failed");
    assert.equal(incident.kind, "pipeline");
    if (incident.kind !== "pipeline") return;
    assert.equal(incident.level, "action");
    assert.equal(incident.stage, "Build");
    assert.equal(incident.action, "Build");
    assert.equal(incident.provider, "CodeBuild");
    assert.equal(incident.errorCode, "JobFailed");
    assert.equal(incident.summary, "Build terminated with state: FAILED");
    assert.match(incident.externalUrl ?? "", /^https:\/\/console\.aws\.amazon\.com\/codebuild\//);
  });

  it("takes the commit from a failed source action, and from nothing else", () => {
    const event = loadEvent("action-execution-failed");
    const detail = event.detail as Record<string, unknown>;
    detail.stage = "Source";
    detail.action = "Source";
    detail.type = {
      owner: "AWS",
      provider: "CodeStarSourceConnection",
      category: "Source",
      version: "1",
    };
    detail["execution-result"] = {
      "external-execution-id": "8e0c6fb80e09020556d271d4cf0bacdab3614fbd",
      "external-execution-summary": "Could not fetch the commit",
      "error-code": "ConfigurationError",
    };
    const classification = classifyEvent(event);
    assert.equal(classification.kind, "incident");
    if (classification.kind !== "incident" || classification.incident.kind !== "pipeline") return;
    assert.equal(classification.incident.commit, "8e0c6fb80e09020556d271d4cf0bacdab3614fbd");
    const build = incidentOf("action-execution-failed");
    assert.equal(build.kind === "pipeline" ? build.commit : "not a pipeline", undefined);
  });

  it("gives the pipeline, stage and action events of one execution one incident key", () => {
    const keys = (
      ["pipeline-execution-failed", "stage-execution-failed", "action-execution-failed"] as const
    ).map((name) => incidentKey(incidentOf(name)));
    assert.deepEqual(
      new Set(keys),
      new Set(["pipeline:greenlight-dev-checkout:5bd1c1d2-8a14-4a55-9e0f-0c2b2d7a9e31"]),
    );
  });

  it("keys deployments by id, alarms by name, stopped tasks by service, stop code and exit code", () => {
    assert.equal(
      incidentKey(incidentOf("codedeploy-deployment-failure")),
      "deployment:d-7ABCDEFGH",
    );
    assert.equal(
      incidentKey(incidentOf("cloudwatch-alarm-alarm")),
      "alarm:greenlight-dev-checkout-target-5xx",
    );
    assert.equal(
      incidentKey(incidentOf("ecs-task-stopped-crash")),
      "task-stopped:checkout:EssentialContainerExited:1",
    );
    assert.equal(
      incidentKey(incidentOf("ecs-task-stopped-oom")),
      "task-stopped:checkout:EssentialContainerExited:137",
    );
    assert.equal(
      incidentKey(incidentOf("ecs-task-stopped-failed-to-start")),
      "task-stopped:checkout:TaskFailedToStart:none",
    );
  });

  it("reads a stopped task: service from the group, containers, out of memory", () => {
    const incident = incidentOf("ecs-task-stopped-oom");
    assert.equal(incident.kind, "task-stopped");
    if (incident.kind !== "task-stopped") return;
    assert.equal(incident.service, "checkout");
    assert.equal(incident.outOfMemory, true);
    assert.equal(incident.stopCode, "EssentialContainerExited");
    assert.deepEqual(incident.containers, [
      {
        name: "app",
        exitCode: 137,
        reason: "OutOfMemoryError: Container killed due to memory usage",
      },
    ]);
    assert.equal(
      incident.taskDefinitionArn,
      "arn:aws:ecs:eu-west-1:123456789012:task-definition/greenlight-dev-checkout:43",
    );
  });

  for (const name of [
    "ecs-task-stopped-crash",
    "ecs-task-stopped-oom",
    "ecs-task-stopped-failed-to-start",
    "ecs-task-stopped-elb-health-checks",
    "ecs-task-stopped-spot",
  ] as const) {
    it(`treats ${name.replace("ecs-task-stopped-", "")} as an incident`, () => {
      assert.equal(incidentOf(name).kind, "task-stopped");
    });
  }

  for (const [name, why] of [
    [
      "ecs-task-stopped-bluegreen-cleanup",
      /deployment or scale-in \(Scaling activity initiated by \(deployment ecs-svc\//,
    ],
    ["ecs-task-stopped-scale-in", /deployment or scale-in/],
    ["ecs-task-stopped-user", /stopped on purpose \(UserInitiated: Task stopped by user\)/],
  ] as const) {
    it(`ignores the normal stop ${name.replace("ecs-task-stopped-", "")}`, () => {
      const classification = classifyEvent(loadEvent(name));
      assert.equal(classification.kind, "ignored");
      if (classification.kind === "ignored") assert.match(classification.reason, why);
    });
  }

  for (const [name, reason] of [
    ["pipeline-execution-succeeded", "pipeline state SUCCEEDED is not an incident"],
    ["codedeploy-deployment-success", "deployment state SUCCESS is not an incident"],
    ["cloudwatch-alarm-ok", "alarm state OK is not an incident"],
    ["ecs-task-running", "task status RUNNING is not an incident"],
  ] as const) {
    it(`ignores ${name}`, () => {
      assert.deepEqual(classifyEvent(loadEvent(name)), { kind: "ignored", reason });
    });
  }

  it("calls anything else malformed, naming what is missing", () => {
    assert.equal(classifyEvent(null).kind, "malformed");
    assert.match(
      JSON.stringify(classifyEvent({ source: "aws.ecs", "detail-type": "ECS Task State Change" })),
      /not an EventBridge event/,
    );
    assert.deepEqual(
      classifyEvent({ source: "aws.s3", "detail-type": "Object Created", detail: {} }),
      { kind: "malformed", reason: 'the notifier does not handle aws.s3 "Object Created"' },
    );
    const broken = loadEvent("codedeploy-deployment-failure");
    delete (broken.detail as Record<string, unknown>).deploymentId;
    assert.equal(classifyEvent(broken).kind, "malformed");
  });

  describe("ECS Deployment State Change (the ecs engine)", () => {
    const CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/greenlight-dev";
    const SERVICE = "arn:aws:ecs:eu-west-1:123456789012:service/greenlight-dev/checkout";

    it("reads a failed service deployment: service and cluster from resources, id, reason", () => {
      assert.deepEqual(incidentOf("ecs-deployment-failed"), {
        kind: "service-deployment",
        serviceArn: SERVICE,
        cluster: "greenlight-dev",
        service: "checkout",
        deploymentId: "ecs-svc/6829403818421097733",
        state: "failed",
        reason: "ECS deployment circuit breaker: task failed to start.",
        region: "eu-west-1",
        time: "2026-11-22T14:05:12Z",
      });
    });

    it("reads an in-progress event whose reason says rolling back as a rollback", () => {
      const incident = incidentOf("ecs-deployment-rollback");
      assert.equal(incident.kind === "service-deployment" && incident.state, "rolling-back");
      for (const reason of [
        "Service deployment rolled back because of a lifecycle hook failure",
        "Rollback initiated: alarm web-5xx in ALARM",
      ]) {
        const event = loadEvent("ecs-deployment-in-progress");
        (event.detail as Record<string, unknown>).reason = reason;
        const classification = classifyEvent(event);
        assert.equal(classification.kind, "incident", reason);
      }
    });

    it("gives a failure and the rollback it starts one incident key, per service", () => {
      const failed = incidentKey(incidentOf("ecs-deployment-failed"));
      assert.equal(failed, `service-deployment:${SERVICE}`);
      assert.equal(incidentKey(incidentOf("ecs-deployment-rollback")), failed);
      const other = loadEvent("ecs-deployment-failed");
      other.resources = [SERVICE.replace("/checkout", "/payments")];
      assert.notEqual(
        incidentKey((classifyEvent(other) as { incident: Incident }).incident),
        failed,
      );
    });

    it("ignores a deployment starting and a deployment completing", () => {
      assert.deepEqual(classifyEvent(loadEvent("ecs-deployment-in-progress")), {
        kind: "ignored",
        reason:
          "ECS deployment SERVICE_DEPLOYMENT_IN_PROGRESS is not an incident (ECS deployment ecs-svc/6829403818421097733 in progress.)",
      });
      const completed = classifyEvent(loadEvent("ecs-deployment-completed"));
      assert.equal(completed.kind, "ignored");
      const unknown = loadEvent("ecs-deployment-failed");
      (unknown.detail as Record<string, unknown>).eventName = "SERVICE_DEPLOYMENT_PAUSED";
      assert.equal(classifyEvent(unknown).kind, "ignored");
    });

    it("ignores another cluster's deployments when told its own, and reads its own", () => {
      const scope = { clusterArn: CLUSTER };
      assert.equal(classifyEvent(loadEvent("ecs-deployment-failed"), scope).kind, "incident");
      for (const foreign of [
        "arn:aws:ecs:eu-west-1:123456789012:service/greenlight-prod/checkout",
        "arn:aws:ecs:eu-west-1:123456789012:service/greenlight-dev-2/checkout",
        "arn:aws:ecs:us-east-1:123456789012:service/greenlight-dev/checkout",
        "arn:aws:ecs:eu-west-1:999999999999:service/greenlight-dev/checkout",
      ]) {
        const event = loadEvent("ecs-deployment-failed");
        event.resources = [foreign];
        const classification = classifyEvent(event, scope);
        assert.equal(classification.kind, "ignored", foreign);
        if (classification.kind === "ignored")
          assert.match(classification.reason, /another cluster/);
      }
      const task = loadEvent("ecs-task-stopped-crash");
      (task.detail as Record<string, unknown>).clusterArn = CLUSTER.replace("dev", "prod");
      assert.equal(classifyEvent(task, scope).kind, "ignored");
      assert.equal(classifyEvent(loadEvent("ecs-task-stopped-crash"), scope).kind, "incident");
    });

    it("prefixes a cluster's service ARNs by the cluster's name, ending with a slash", () => {
      assert.equal(
        servicesArnPrefix(CLUSTER),
        "arn:aws:ecs:eu-west-1:123456789012:service/greenlight-dev/",
      );
      assert.ok(
        !SERVICE.replace("greenlight-dev", "greenlight-dev-2").startsWith(
          servicesArnPrefix(CLUSTER),
        ),
      );
    });

    it("calls a deployment event malformed without its event name, id or a service ARN", () => {
      const cases: [string, (event: Record<string, unknown>) => void][] = [
        ["no eventName", (e) => delete (e.detail as Record<string, unknown>).eventName],
        ["no deploymentId", (e) => delete (e.detail as Record<string, unknown>).deploymentId],
        ["no resources", (e) => delete e.resources],
        ["resources not an array", (e) => (e.resources = SERVICE)],
        ["a task ARN only", (e) => (e.resources = [SERVICE.replace(":service/", ":task/")])],
        [
          "a short service ARN",
          (e) => (e.resources = ["arn:aws:ecs:eu-west-1:1:service/checkout"]),
        ],
        ["eventName a number", (e) => ((e.detail as Record<string, unknown>).eventName = 7)],
      ];
      for (const [label, breakIt] of cases) {
        const event = loadEvent("ecs-deployment-failed");
        breakIt(event);
        const classification = classifyEvent(event);
        assert.equal(classification.kind, "malformed", label);
        if (classification.kind === "malformed") {
          assert.match(classification.reason, /without eventName, deploymentId or a service ARN/);
        }
      }
      // A reason that is not a string is no reason: the failure still alerts.
      const odd = loadEvent("ecs-deployment-failed");
      (odd.detail as Record<string, unknown>).reason = { nested: true };
      const classification = classifyEvent(odd);
      assert.equal(classification.kind, "incident");
      if (classification.kind === "incident") assert.ok(!("reason" in classification.incident));
    });

    it("ignores the native blue/green cleanup and rollback stops of a service revision's tasks", () => {
      for (const deployment of ["ecs-svc/5160512325736418813", "ecs-svc/6829403818421097733"]) {
        const event = loadEvent("ecs-task-stopped-bluegreen-cleanup");
        const detail = event.detail as Record<string, unknown>;
        detail.startedBy = deployment;
        detail.stoppedReason = `Scaling activity initiated by (deployment ${deployment})`;
        detail.containers = [{ name: "app", exitCode: 137, lastStatus: "STOPPED" }];
        assert.equal(classifyEvent(event).kind, "ignored", deployment);
      }
    });
  });

  describe("judgeTaskStop", () => {
    const app = (exitCode: number, reason?: string) => [
      { name: "app", exitCode, ...(reason === undefined ? {} : { reason }) },
    ];
    const scaling = "Scaling activity initiated by (deployment ecs-svc/5160512325736418813)";

    it("a scheduler stop for a deployment or scale-in is normal, even with the SIGKILL exit 137", () => {
      const verdict = judgeTaskStop({
        stopCode: "ServiceSchedulerInitiated",
        stoppedReason: scaling,
        containers: app(137),
      });
      assert.equal(verdict.normal, true);
      assert.equal(verdict.outOfMemory, false);
    });

    it("running out of memory is an incident whatever the stop code says", () => {
      for (const stopCode of [
        "ServiceSchedulerInitiated",
        "UserInitiated",
        "EssentialContainerExited",
      ]) {
        const verdict = judgeTaskStop({
          stopCode,
          stoppedReason: scaling,
          containers: app(137, "OutOfMemoryError: Container killed due to memory usage"),
        });
        assert.deepEqual(verdict, {
          normal: false,
          why: "a container ran out of memory",
          outOfMemory: true,
        });
      }
    });

    it("task-set deletion, AZ rebalancing and Fargate maintenance are normal scheduler stops", () => {
      for (const stoppedReason of [
        "Task set ecs-svc/1234 deleted",
        "Stopped due to AZ rebalancing",
        "ECS is performing maintenance on the underlying infrastructure hosting the task",
      ]) {
        assert.equal(
          judgeTaskStop({ stopCode: "ServiceSchedulerInitiated", stoppedReason, containers: [] })
            .normal,
          true,
          stoppedReason,
        );
      }
    });

    it("a scheduler stop for failed health checks is an incident", () => {
      for (const stoppedReason of [
        "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/g/1)",
        "Task failed container health checks",
      ]) {
        assert.equal(
          judgeTaskStop({
            stopCode: "ServiceSchedulerInitiated",
            stoppedReason,
            containers: app(143),
          }).normal,
          false,
        );
      }
    });

    it("crashes, failed starts, Spot interruptions and unknown stop codes are incidents", () => {
      for (const stopCode of [
        "EssentialContainerExited",
        "TaskFailedToStart",
        "SpotInterruption",
        "TerminationNotice",
        undefined,
      ]) {
        assert.equal(
          judgeTaskStop({
            ...(stopCode === undefined ? {} : { stopCode }),
            stoppedReason: "Essential container in task exited",
            containers: app(1),
          }).normal,
          false,
          String(stopCode),
        );
      }
    });

    it("explains a stop by the first non-zero exit code", () => {
      assert.equal(
        exitCodeOf([
          { name: "log-router", exitCode: 0 },
          { name: "app", exitCode: 2 },
        ]),
        2,
      );
      assert.equal(exitCodeOf([{ name: "app", exitCode: 0 }]), 0);
      assert.equal(exitCodeOf([{ name: "app" }]), undefined);
    });
  });
});
