import { strict as assert } from "node:assert";
import { createEcsHookClients } from "../../hooks/ecs/aws";

describe("hooks/ecs clients", () => {
  it("give every client's HTTP handler the shared connection and attempt timeouts, which throw", async () => {
    const clients = createEcsHookClients({
      region: "eu-west-1",
      timeouts: { connectionTimeoutMs: 1234, attemptTimeoutMs: 4321 },
    });
    for (const client of Object.values(clients)) {
      const handler = client.config.requestHandler as unknown as {
        configProvider?: Promise<{
          connectionTimeout?: number;
          requestTimeout?: number;
          throwOnRequestTimeout?: boolean;
        }>;
      };
      const config = await handler.configProvider;
      assert.equal(config?.connectionTimeout, 1234);
      assert.equal(config?.requestTimeout, 4321);
      assert.equal(config?.throwOnRequestTimeout, true);
      assert.equal(await client.config.maxAttempts(), 3);
      client.destroy();
    }
  });
});
