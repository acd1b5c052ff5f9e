import { strict as assert } from "node:assert";
import {
  NotifierDefaults,
  NotifierEnv,
  parseNotifierSettings,
} from "../../hooks/notifier/settings";

describe("hooks/notifier/settings", () => {
  it("names exactly the variables the program sets", () => {
    assert.deepEqual(NotifierEnv, {
      environment: "GREENLIGHT_ENVIRONMENT",
      slackSecretArn: "GREENLIGHT_SLACK_SECRET_ARN",
      incidentsTable: "GREENLIGHT_INCIDENTS_TABLE",
      dedupWindowSeconds: "GREENLIGHT_DEDUP_WINDOW_SECONDS",
      clusterArn: "GREENLIGHT_CLUSTER_ARN",
      consoleRegion: "GREENLIGHT_CONSOLE_REGION",
    });
    assert.equal(NotifierDefaults.dedupWindowSeconds, 900);
  });

  it("reads every setting", () => {
    assert.deepEqual(
      parseNotifierSettings({
        GREENLIGHT_ENVIRONMENT: "prod",
        GREENLIGHT_SLACK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:s",
        GREENLIGHT_INCIDENTS_TABLE: "greenlight-prod-incidents",
        GREENLIGHT_DEDUP_WINDOW_SECONDS: "300",
        GREENLIGHT_CONSOLE_REGION: "eu-central-1",
        GREENLIGHT_CLUSTER_ARN: "arn:aws:ecs:eu-west-1:1:cluster/prod",
      }),
      {
        settings: {
          environment: "prod",
          slackSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:s",
          incidentsTable: "greenlight-prod-incidents",
          dedupWindowSeconds: 300,
          consoleRegion: "eu-central-1",
          clusterArn: "arn:aws:ecs:eu-west-1:1:cluster/prod",
        },
        problems: [],
      },
    );
  });

  it("falls back to defaults, and says which variable was wrong and how to fix it", () => {
    const { settings, problems } = parseNotifierSettings({
      GREENLIGHT_DEDUP_WINDOW_SECONDS: "-5",
      GREENLIGHT_SLACK_SECRET_ARN: "  ",
    });
    assert.deepEqual(settings, { environment: "unknown", dedupWindowSeconds: 900 });
    assert.deepEqual(problems, [
      'GREENLIGHT_DEDUP_WINDOW_SECONDS is "-5"; set it to a whole number of seconds (0 turns de-duplication off); using the default 900.',
      'GREENLIGHT_ENVIRONMENT is not set; alerts will say the environment is "unknown".',
    ]);
  });
});
