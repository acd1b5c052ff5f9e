import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../components/config";
import {
  certificateRegion,
  certificateRegionProblems,
  domainProblems,
  hostedZone,
  tlsProblems,
  usesHttps,
} from "../components/domainRules";

const LB = "greenlight:loadBalancer";
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

function stack(loadBalancer: unknown) {
  return {
    environment: "dev",
    network: { cidr: "10.10.0.0/16" },
    loadBalancer,
    services: [{ name: "web", sourcePath: "app-sample", containerPort: 8080 }],
    source: { provider: "GitHub", repository: "acme/shop", branches: ["development"] },
  };
}

/** What the schema reports for these load balancer settings. */
function problems(loadBalancer: unknown, region?: string): readonly string[] {
  try {
    parseConfig(stack(loadBalancer), region);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("the configuration was accepted");
}

/** Problems as the user reads them, for a rule whose paths are relative to the load balancer. */
const messages = (found: readonly { path: readonly (string | number)[]; message: string }[]) =>
  found.map((p) => `${[LB, ...p.path].join(".")} ${p.message}`);

describe("domain and certificate rules", () => {
  it("reads a zone by name (a trailing dot allowed) or by id", () => {
    assert.deepEqual(
      parseConfig(stack({ domain: { zone: "example.com.", name: "shop.example.com" } }))
        .loadBalancer.domain,
      { zone: { name: "example.com" }, name: "shop.example.com" },
    );
    assert.deepEqual(
      parseConfig(stack({ domain: { zone: "Z0123456789ABCDEFGHIJ", name: "example.com" } }))
        .loadBalancer.domain,
      { zone: { id: "Z0123456789ABCDEFGHIJ" }, name: "example.com" },
    );
    assert.equal(hostedZone("hostedzone/Z0123"), undefined);
  });

  it("refuses a zone in neither form, a name outside its zone, a wildcard and extra keys", () => {
    assert.deepEqual(problems({ domain: { zone: "hostedzone/Z0123", name: "a.example.com" } }), [
      `${LB}.domain.zone is "hostedzone/Z0123", neither a hosted zone id (Z followed by upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ) nor a lower-case domain name (example.com); use one of the two forms.`,
    ]);
    assert.deepEqual(problems({ domain: { zone: "example.com", name: "shop.example.org" } }), [
      `${LB}.domain.name is shop.example.org, which is not in the zone example.com; choose a name under example.com or the zone that holds shop.example.org.`,
    ]);
    // "notexample.com" ends with "example.com" but is not under it.
    assert.equal(
      domainProblems({ zone: { name: "example.com" }, name: "notexample.com" }).length,
      1,
    );
    assert.deepEqual(
      domainProblems({ zone: { id: "Z0123456789ABCDEFGHIJ" }, name: "shop.example.org" }),
      [],
    );
    assert.deepEqual(
      problems({ domain: { zone: "example.com", name: "*.example.com", ttl: 60 } }),
      [
        `${LB}.domain.name is "*.example.com"; give the lower-case DNS name people and the live hook use, such as shop.example.com (no scheme, port, path or wildcard).`,
        `${LB}.domain.ttl is not a Greenlight setting; known settings: zone, name.`,
      ],
    );
    assert.deepEqual(problems({ domain: "shop.example.com" }), [
      `${LB}.domain must be a map of settings, not string "shop.example.com".`,
    ]);
    assert.deepEqual(problems({ domain: { name: "shop.example.com" } }), [
      `${LB}.domain.zone is required; give the public Route 53 hosted zone that holds the name, by its name (example.com) or its id (Z0123456789ABCDEFGHIJ).`,
    ]);
  });

  it("refuses HTTPS without a name, and domain together with certificateArn or domainName", () => {
    assert.deepEqual(messages(tlsProblems({ certificateArn: CERT })), [
      `${LB}.certificateArn is set without ${LB}.domainName; HTTPS needs the name the certificate covers, pointing at the ALB (the live hook probes it: the ALB's own DNS name fails TLS verification). Set domainName, or replace certificateArn with domain {zone, name} to have Greenlight create the certificate and the DNS records.`,
    ]);
    assert.deepEqual(tlsProblems({ certificateArn: CERT, domainName: "shop.example.com" }), []);
    const domain = { zone: { name: "example.com" }, name: "shop.example.com" };
    assert.deepEqual(tlsProblems({ domain }), []);
    assert.deepEqual(
      problems({
        domain: { zone: "example.com", name: "shop.example.com" },
        certificateArn: CERT,
        domainName: "x.example.com",
      }),
      [
        `${LB}.domain and ${LB}.certificateArn are both set; use domain to have Greenlight create and validate the certificate, or certificateArn with domainName for one managed elsewhere, not both.`,
        `${LB}.domain and ${LB}.domainName are both set; domain.name is the name: remove domainName.`,
      ],
    );
    assert.equal(usesHttps({ domain }), true);
    assert.equal(usesHttps({ domainName: "shop.example.com" }), false);
    assert.equal(
      parseConfig(stack({ domain: { zone: "example.com", name: "shop.example.com" } })).loadBalancer
        .domainName,
      "shop.example.com",
    );
  });

  it("reads a certificate's region from its ARN and refuses one from another region", () => {
    assert.equal(certificateRegion(CERT), "us-east-1");
    assert.equal(certificateRegion("arn:aws:iam::123456789012:server-certificate/x"), undefined);
    const lb = { certificateArn: CERT, domainName: "shop.example.com" };
    assert.deepEqual(problems(lb, "eu-west-1"), [
      `${LB}.certificateArn is a certificate in us-east-1, but the stack's load balancer is in eu-west-1 (aws:region); an ALB uses ACM certificates of its own region only: request or import the certificate in eu-west-1, or use loadBalancer.domain {zone, name} to have Greenlight create it there.`,
    ]);
    assert.equal(parseConfig(stack(lb), "us-east-1").loadBalancer.certificateArn, CERT);
    assert.deepEqual(certificateRegionProblems(CERT, undefined), []);
    // Reported with the schema's own problems, all at once.
    assert.deepEqual(
      problems({ ...lb, idleTimeoutSeconds: 0 }, "eu-west-1").map((p) => p.split(" ")[0]),
      [`${LB}.idleTimeoutSeconds`, `${LB}.certificateArn`],
    );
  });
});
