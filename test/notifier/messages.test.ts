import { strict as assert } from "node:assert";
import {
  buildAlertMessage,
  describeExits,
  describeTrigger,
  ecsServiceDeploymentsConsoleUrl,
  suppressedNote,
} from "../../hooks/notifier/messages";
import type {
  DeploymentIncident,
  ServiceDeploymentIncident,
  TaskStoppedIncident,
} from "../../hooks/notifier/events";
import { deploymentDetailsFrom } from "../../hooks/notifier/deployment";

const DEPLOYMENT: DeploymentIncident = {
  kind: "deployment",
  application: "greenlight-prod",
  deploymentGroup: "greenlight-prod-checkout",
  deploymentId: "d-ROLLBACK2",
  state: "FAILURE",
  region: "eu-west-1",
};

describe("hooks/notifier/messages", () => {
  it("describes exit codes, telling out of memory from a plain SIGKILL", () => {
    assert.equal(
      describeExits([
        {
          name: "app",
          exitCode: 137,
          reason: "OutOfMemoryError: Container killed due to memory usage",
        },
        { name: "log-router", exitCode: 137 },
        { name: "init" },
      ]),
      "app: 137 (out of memory), log-router: 137 (SIGKILL)",
    );
    assert.equal(describeExits([{ name: "app" }]), "none reported");
  });

  it("names the person behind a manual start, and only the trigger type otherwise", () => {
    assert.equal(
      describeTrigger({
        type: "StartPipelineExecution",
        detail: "arn:aws:sts::123456789012:assumed-role/Admin/ada",
      }),
      "StartPipelineExecution by ada",
    );
    assert.equal(
      describeTrigger({
        type: "StartPipelineExecution",
        detail: "arn:aws:iam::123456789012:user/ops/grace",
      }),
      "StartPipelineExecution by grace",
    );
    assert.equal(
      describeTrigger({
        type: "WebhookV2",
        detail: "arn:aws:codeconnections:eu-west-1:1:connection/x",
      }),
      "WebhookV2",
    );
  });

  it("says how many alerts were held back, since when, and the window", () => {
    assert.equal(suppressedNote({}), undefined);
    assert.equal(suppressedNote({ suppressed: { count: 0 } }), undefined);
    assert.equal(
      suppressedNote({
        suppressed: { count: 1, since: Date.UTC(2026, 10, 22, 3, 44) / 1000, windowSeconds: 900 },
      }),
      "1 more alert for this was held back since 2026-11-22 03:44 UTC (one message per 15 min).",
    );
  });

  it("calls a deployment that is itself a rollback by its name", () => {
    const details = deploymentDetailsFrom({
      status: "Failed",
      creator: "codeDeployRollback",
      errorInformation: {
        code: "ECS_UPDATE_ERROR",
        message: "The ECS service could not be updated",
      },
      rollbackInfo: { rollbackTriggeringDeploymentId: "d-ORIGINAL1" },
    });
    assert.deepEqual(details, {
      status: "Failed",
      errorCode: "ECS_UPDATE_ERROR",
      errorMessage: "The ECS service could not be updated",
      creator: "codeDeployRollback",
      rollback: { rollsBackDeploymentId: "d-ORIGINAL1" },
    });
    const message = buildAlertMessage(DEPLOYMENT, {
      environment: "prod",
      region: "eu-west-1",
      deployment: details,
    });
    const text = JSON.stringify(message);
    assert.equal(
      (message.blocks[0] as { text: { text: string } }).text.text,
      "❌ Deployment to greenlight-prod-checkout failed in prod",
    );
    assert.ok(text.includes("*This deployment is the rollback of* d-ORIGINAL1"));
    assert.ok(text.includes("*Started by*\\ncodeDeployRollback"));
  });

  it("shows the short commit when the event carried one", () => {
    const text = JSON.stringify(
      buildAlertMessage(
        {
          kind: "pipeline",
          pipeline: "greenlight-dev-checkout",
          executionId: "e-1",
          state: "FAILED",
          level: "action",
          stage: "Source",
          commit: "8e0c6fb80e09020556d271d4cf0bacdab3614fbd",
        },
        { environment: "dev" },
      ),
    );
    assert.ok(text.includes("*Commit*\\n`8e0c6fb`"), text);
    assert.ok(text.includes("*Branch or tag*\\nunknown"));
  });

  it("escapes Slack's control characters in what the event says, and leaves links out without a region", () => {
    const task: TaskStoppedIncident = {
      kind: "task-stopped",
      clusterArn: "arn:aws:ecs:eu-west-1:1:cluster/c",
      service: "checkout",
      taskArn: "arn:aws:ecs:eu-west-1:1:task/c/abc",
      stopCode: "EssentialContainerExited",
      stoppedReason: "exit <script>&",
      containers: [{ name: "app", exitCode: 1 }],
      outOfMemory: false,
    };
    const text = JSON.stringify(buildAlertMessage(task, { environment: "dev" }));
    assert.ok(text.includes("exit &lt;script&gt;&amp;"));
    assert.ok(!text.includes("console.aws.amazon.com"));
  });

  it("links an ECS deployment alert to the service's Deployments tab, escaping what ECS says", () => {
    assert.equal(
      ecsServiceDeploymentsConsoleUrl("eu-west-1", "greenlight prod", "check/out"),
      "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/greenlight%20prod/services/check%2Fout/deployments?region=eu-west-1",
    );
    const incident: ServiceDeploymentIncident = {
      kind: "service-deployment",
      serviceArn: "arn:aws:ecs:eu-west-1:1:service/greenlight-prod/checkout",
      cluster: "greenlight-prod",
      service: "checkout",
      deploymentId: "ecs-svc/42",
      state: "failed",
      reason: "hook <greenlight-prod-live> returned FAILED & rolled back",
    };
    const withoutRegion = JSON.stringify(buildAlertMessage(incident, { environment: "prod" }));
    assert.ok(
      withoutRegion.includes("hook &lt;greenlight-prod-live&gt; returned FAILED &amp; rolled back"),
    );
    assert.ok(!withoutRegion.includes("console.aws.amazon.com"));
    const withRegion = buildAlertMessage(
      { ...incident, state: "rolling-back", reason: undefined } as ServiceDeploymentIncident,
      { environment: "prod", region: "eu-west-1", suppressed: { count: 3 } },
    );
    assert.equal(
      withRegion.text,
      "↩️ checkout: a deployment is rolling back in prod (ecs-svc/42) (+3 held back)",
    );
    const body = JSON.stringify(withRegion);
    assert.ok(body.includes("*Reason*: unknown"));
    assert.ok(body.includes("/services/checkout/deployments?region=eu-west-1|ecs-svc/42>"));
  });
});
