import * as assert from "node:assert/strict";

import { parseConfig, type GreenlightConfig } from "../../components/config";
import { stackFileRaw } from "../../components/stackFile";
import { listenerRoutes, loadStackSettings, REHEARSAL_DOMAIN } from "../../tools/rehearsal/stack";

function config(): GreenlightConfig {
  return parseConfig(stackFileRaw("dev"));
}

describe("rehearsal stack settings", () => {
  it("routes each service by <service>.rehearsal.local when the stack names no domain, priorities in service order", () => {
    assert.equal(REHEARSAL_DOMAIN, "rehearsal.local");
    assert.deepEqual(listenerRoutes(config()), [
      { service: "web", hostname: "web.rehearsal.local", priority: 10 },
      { service: "orders", hostname: "orders.rehearsal.local", priority: 20 },
    ]);
  });

  it("puts the hosts under loadBalancer.domainName when the stack has one", () => {
    const base = config();
    const withDomain = {
      ...base,
      loadBalancer: { ...base.loadBalancer, domainName: "shop.example.com" },
    };
    assert.deepEqual(
      listenerRoutes(withDomain).map((route) => route.hostname),
      ["web.shop.example.com", "orders.shop.example.com"],
    );
  });

  it("takes a service's own hostname and pathPattern once the stack gives them", () => {
    const base = config();
    const [web, orders] = base.services;
    assert.ok(web !== undefined && orders !== undefined);
    const services = [
      { ...web, hostname: "www.example.com" },
      { ...orders, pathPattern: "/orders/*", rulePriority: 5 },
    ];
    assert.deepEqual(listenerRoutes({ ...base, services }), [
      { service: "web", hostname: "www.example.com", priority: 10 },
      { service: "orders", pathPattern: "/orders/*", priority: 5 },
    ]);
  });

  it("plays the stack's own deployment.engine unless --engine says otherwise", () => {
    assert.equal(loadStackSettings("dev").engine, "codedeploy");
  });

  it("carries the termination wait (the ECS bake time) and the routes into the rehearsal's settings", () => {
    const prod = loadStackSettings("prod");
    assert.equal(prod.terminationWaitMinutes, 60);
    assert.equal(prod.routes[0]?.hostname, `${prod.service}.shop.example.com`);
    assert.equal(loadStackSettings("staging").terminationWaitMinutes, 15);
  });
});
