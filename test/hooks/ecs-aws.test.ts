import { strict as assert } from "node:assert";
import { createEcsHookClients, ecsHookClientOptions } from "../../hooks/ecs/aws";

describe("hooks/ecs clients", () => {
  it("retry adaptively and bound every attempt by a connection and a request timeout", () => {
    assert.deepEqual(ecsHookClientOptions({ region: "eu-west-1" }), {
      maxAttempts: 5,
      retryMode: "adaptive",
      region: "eu-west-1",
      requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
    });
  });

  it("give the timeouts to each client's HTTP handler", async () => {
    const clients = createEcsHookClients({ region: "eu-west-1" });
    for (const client of Object.values(clients)) {
      const handler = client.config.requestHandler as unknown as {
        configProvider?: Promise<{ connectionTimeout?: number; requestTimeout?: number }>;
      };
      const config = await handler.configProvider;
      assert.equal(config?.connectionTimeout, 3000);
      assert.equal(config?.requestTimeout, 10_000);
      client.destroy();
    }
  });
});
