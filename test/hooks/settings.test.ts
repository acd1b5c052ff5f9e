import { strict as assert } from "node:assert";
import {
  HookEnv,
  HookSettingsError,
  minimumLambdaTimeoutSeconds,
  parseHookSettings,
} from "../../hooks/codedeploy/settings";

describe("hooks/codedeploy settings", () => {
  it("uses the defaults for an empty environment", () => {
    assert.deepEqual(parseHookSettings({}), {
      probe: { consecutive: 5, intervalMs: 1000, timeoutMs: 2000, deadlineMs: 240_000 },
      reportReserveMs: 30_000,
      noticeReserveMs: 3000,
    });
  });

  it("reads every variable", () => {
    const settings = parseHookSettings({
      GREENLIGHT_ENVIRONMENT: "prod",
      GREENLIGHT_SLACK_SECRET_ARN:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf",
      GREENLIGHT_PROBE_CONSECUTIVE: "3",
      GREENLIGHT_PROBE_INTERVAL_MS: "0",
      GREENLIGHT_PROBE_TIMEOUT_MS: "500",
      GREENLIGHT_PROBE_DEADLINE_MS: "60000",
      GREENLIGHT_REPORT_RESERVE_MS: "5000",
      GREENLIGHT_PROBE_BASE_URL: "https://api.example.com/",
    });
    assert.deepEqual(settings, {
      environment: "prod",
      slackSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf",
      probe: { consecutive: 3, intervalMs: 0, timeoutMs: 500, deadlineMs: 60_000 },
      reportReserveMs: 5000,
      noticeReserveMs: 2500,
      probeBaseUrl: "https://api.example.com",
    });
  });

  it("reads the owner and the notice reserve", () => {
    const settings = parseHookSettings({
      GREENLIGHT_CODEDEPLOY_APPLICATION: "greenlight-prod",
      GREENLIGHT_DEPLOYMENT_GROUPS: " api, worker ,",
      GREENLIGHT_NOTICE_RESERVE_MS: "1200",
    });
    assert.deepEqual(settings.owner, {
      applicationName: "greenlight-prod",
      deploymentGroupNames: ["api", "worker"],
    });
    assert.equal(settings.noticeReserveMs, 1200);
  });

  it("refuses an owner half set, and a notice reserve beyond the report reserve", () => {
    assert.throws(() => parseHookSettings({ GREENLIGHT_CODEDEPLOY_APPLICATION: "app" }), {
      name: "HookSettingsError",
      message:
        "GREENLIGHT_CODEDEPLOY_APPLICATION and GREENLIGHT_DEPLOYMENT_GROUPS go together; set both (the stack's CodeDeploy application and its comma-separated deployment groups) or neither.",
    });
    assert.throws(
      () =>
        parseHookSettings({
          GREENLIGHT_REPORT_RESERVE_MS: "1000",
          GREENLIGHT_NOTICE_RESERVE_MS: "2000",
        }),
      {
        name: "HookSettingsError",
        message:
          "GREENLIGHT_NOTICE_RESERVE_MS is 2000, more than GREENLIGHT_REPORT_RESERVE_MS (1000); the notice reserve is the end of the report reserve, so make it smaller.",
      },
    );
  });

  it("reads a probe host, and refuses one with a scheme or path", () => {
    assert.equal(
      parseHookSettings({ GREENLIGHT_PROBE_HOST: "Shop.Example.com" }).probeHost,
      "shop.example.com",
    );
    assert.throws(
      () => parseHookSettings({ GREENLIGHT_PROBE_HOST: "https://shop.example.com/x" }),
      {
        name: "HookSettingsError",
        message:
          'GREENLIGHT_PROBE_HOST is "https://shop.example.com/x"; set it to a host name such as api.example.com (no scheme, port or path), or leave it unset to probe the load balancer.',
      },
    );
  });

  it("treats blank values as unset", () => {
    assert.deepEqual(
      parseHookSettings({ GREENLIGHT_PROBE_CONSECUTIVE: " ", GREENLIGHT_SLACK_SECRET_ARN: "" }),
      parseHookSettings({}),
    );
  });

  it("names the variable, the bad value and the fix for a bad number", () => {
    assert.throws(() => parseHookSettings({ GREENLIGHT_PROBE_INTERVAL_MS: "1s" }), {
      name: "HookSettingsError",
      message:
        'GREENLIGHT_PROBE_INTERVAL_MS is "1s"; set it to a whole number of milliseconds, at least 0 (default 1000).',
    });
  });

  it("reports every bad variable at once", () => {
    try {
      parseHookSettings({
        GREENLIGHT_PROBE_CONSECUTIVE: "0",
        GREENLIGHT_PROBE_TIMEOUT_MS: "-5",
        GREENLIGHT_PROBE_BASE_URL: "api.example.com",
      });
      assert.fail("expected a HookSettingsError");
    } catch (error) {
      assert.ok(error instanceof HookSettingsError);
      assert.equal(error.problems.length, 3);
      assert.match(error.problems[0]!, /^GREENLIGHT_PROBE_CONSECUTIVE is "0"; .* at least 1 /);
      assert.match(error.problems[1]!, /^GREENLIGHT_PROBE_TIMEOUT_MS is "-5"/);
      assert.match(
        error.problems[2]!,
        /^GREENLIGHT_PROBE_BASE_URL is "api\.example\.com"; set it to an http:\/\/ or https:\/\//,
      );
    }
  });

  it("exports the variable names the Pulumi program sets", () => {
    assert.deepEqual(Object.values(HookEnv).sort(), [
      "GREENLIGHT_CODEDEPLOY_APPLICATION",
      "GREENLIGHT_DEPLOYMENT_GROUPS",
      "GREENLIGHT_ENVIRONMENT",
      "GREENLIGHT_NOTICE_RESERVE_MS",
      "GREENLIGHT_PROBE_BASE_URL",
      "GREENLIGHT_PROBE_CONSECUTIVE",
      "GREENLIGHT_PROBE_DEADLINE_MS",
      "GREENLIGHT_PROBE_HOST",
      "GREENLIGHT_PROBE_INTERVAL_MS",
      "GREENLIGHT_PROBE_TIMEOUT_MS",
      "GREENLIGHT_REPORT_RESERVE_MS",
      "GREENLIGHT_SLACK_SECRET_ARN",
    ]);
  });

  it("recommends a Lambda timeout covering the probe deadline, the reserve and the overhead", () => {
    assert.equal(minimumLambdaTimeoutSeconds(parseHookSettings({})), 300);
    assert.equal(
      minimumLambdaTimeoutSeconds(parseHookSettings({ GREENLIGHT_PROBE_DEADLINE_MS: "600000" })),
      660,
    );
  });
});
