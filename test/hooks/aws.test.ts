import { strict as assert } from "node:assert";
import {
  AwsTimeoutDefaults,
  awsTimeoutsFromEnv,
  classifyAwsError,
  clientOptions,
  requestHandlerOptions,
} from "../../hooks/shared/aws";

const sdkError = (name: string, status: number, fault: "client" | "server" = "client") =>
  Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe("hooks/shared/aws", () => {
  it("gives every client connection and per-attempt timeouts that throw", () => {
    assert.deepEqual(clientOptions().requestHandler, {
      connectionTimeout: AwsTimeoutDefaults.connectionTimeoutMs,
      requestTimeout: AwsTimeoutDefaults.attemptTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: AwsTimeoutDefaults.attemptTimeoutMs,
    });
    assert.deepEqual(requestHandlerOptions({ connectionTimeoutMs: 300, attemptTimeoutMs: 400 }), {
      connectionTimeout: 300,
      requestTimeout: 400,
      throwOnRequestTimeout: true,
      socketTimeout: 400,
    });
    assert.equal(clientOptions().retryMode, "standard");
  });

  it("reads timeout overrides from the environment, ignoring values that are not positive whole numbers", () => {
    assert.deepEqual(
      awsTimeoutsFromEnv({
        GREENLIGHT_AWS_CONNECTION_TIMEOUT_MS: "250",
        GREENLIGHT_AWS_ATTEMPT_TIMEOUT_MS: "1s",
      }),
      { connectionTimeoutMs: 250, attemptTimeoutMs: AwsTimeoutDefaults.attemptTimeoutMs },
    );
    assert.deepEqual(awsTimeoutsFromEnv({ GREENLIGHT_AWS_CONNECTION_TIMEOUT_MS: "0" }), {
      connectionTimeoutMs: AwsTimeoutDefaults.connectionTimeoutMs,
      attemptTimeoutMs: AwsTimeoutDefaults.attemptTimeoutMs,
    });
  });

  it("classifies throttling, transient and final errors", () => {
    assert.equal(classifyAwsError(sdkError("ThrottlingException", 400)), "throttled");
    assert.equal(classifyAwsError(sdkError("Whatever", 429)), "throttled");
    assert.equal(classifyAwsError(sdkError("ServiceUnavailableException", 503, "server")), "retry");
    assert.equal(classifyAwsError(sdkError("InternalFailure", 500, "server")), "retry");
    assert.equal(
      classifyAwsError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })),
      "retry",
    );
    const timeout = Object.assign(new Error("deadline"), { name: "TimeoutError" });
    assert.equal(classifyAwsError(timeout), "retry");
    assert.equal(classifyAwsError(sdkError("AccessDeniedException", 400)), "stop");
    assert.equal(
      classifyAwsError(sdkError("InvalidLifecycleEventHookExecutionIdException", 400)),
      "stop",
    );
  });
});
