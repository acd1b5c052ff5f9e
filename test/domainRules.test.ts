import { strict as assert } from "assert";
import {
  certificateRegion,
  certificateRegionProblem,
  parseDomain,
  tlsProblems,
  usesHttps,
} from "../components/domainRules";

const LB = "greenlight:loadBalancer";
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

describe("domain and certificate rules", () => {
  it("reads a zone by name (a trailing dot allowed) or by id", () => {
    assert.deepEqual(
      parseDomain(`${LB}.domain`, { zone: "example.com.", name: "shop.example.com" }),
      {
        value: { zone: { name: "example.com" }, name: "shop.example.com" },
        problems: [],
      },
    );
    assert.deepEqual(
      parseDomain(`${LB}.domain`, { zone: "Z0123456789ABCDEFGHIJ", name: "example.com" }).value,
      { zone: { id: "Z0123456789ABCDEFGHIJ" }, name: "example.com" },
    );
  });

  it("refuses a zone in neither form, a name outside its zone, a wildcard and extra keys", () => {
    assert.deepEqual(
      parseDomain(`${LB}.domain`, { zone: "hostedzone/Z0123", name: "a.example.com" }).problems,
      [
        `${LB}.domain.zone is "hostedzone/Z0123", neither a hosted zone id (Z followed by upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ) nor a lower-case domain name (example.com); use one of the two forms.`,
      ],
    );
    assert.deepEqual(
      parseDomain(`${LB}.domain`, { zone: "example.com", name: "shop.example.org" }).problems,
      [
        `${LB}.domain.name is shop.example.org, which is not in the zone example.com; choose a name under example.com or the zone that holds shop.example.org.`,
      ],
    );
    // "notexample.com" ends with "example.com" but is not under it.
    assert.equal(
      parseDomain(`${LB}.domain`, { zone: "example.com", name: "notexample.com" }).problems.length,
      1,
    );
    assert.deepEqual(
      parseDomain(`${LB}.domain`, { zone: "example.com", name: "*.example.com", ttl: 60 }).problems,
      [
        `${LB}.domain.ttl is not a Greenlight setting; known settings: zone, name.`,
        `${LB}.domain.name is "*.example.com"; give the lower-case DNS name people and the live hook use, such as shop.example.com (no scheme, port, path or wildcard).`,
      ],
    );
    assert.deepEqual(parseDomain(`${LB}.domain`, "shop.example.com").problems, [
      `${LB}.domain must be a map {zone: <Route 53 hosted zone name or id>, name: <the service's DNS name>}, e.g. {zone: example.com, name: shop.example.com}.`,
    ]);
    assert.deepEqual(parseDomain(`${LB}.domain`, { name: "shop.example.com" }).problems, [
      `${LB}.domain.zone is required; give the public Route 53 hosted zone that holds the name, by its name (example.com) or its id (Z0123456789ABCDEFGHIJ).`,
    ]);
  });

  it("refuses HTTPS without a name, and domain together with certificateArn or domainName", () => {
    assert.deepEqual(tlsProblems(LB, { certificateArn: CERT }), [
      `${LB}.certificateArn is set without ${LB}.domainName; HTTPS needs the name the certificate covers, pointing at the ALB (the live hook probes it: the ALB's own DNS name fails TLS verification). Set domainName, or replace certificateArn with domain {zone, name} to have Greenlight create the certificate and the DNS records.`,
    ]);
    assert.deepEqual(tlsProblems(LB, { certificateArn: CERT, domainName: "shop.example.com" }), []);
    const domain = { zone: { name: "example.com" }, name: "shop.example.com" };
    assert.deepEqual(tlsProblems(LB, { domain }), []);
    assert.deepEqual(
      tlsProblems(LB, { domain, certificateArn: CERT, domainName: "x.example.com" }),
      [
        `${LB}.domain and ${LB}.certificateArn are both set; use domain to have Greenlight create and validate the certificate, or certificateArn with domainName for one managed elsewhere, not both.`,
        `${LB}.domain and ${LB}.domainName are both set; domain.name is the name: remove domainName.`,
      ],
    );
    assert.equal(usesHttps({ domain }), true);
    assert.equal(usesHttps({ domainName: "shop.example.com" }), false);
  });

  it("reads a certificate's region from its ARN and refuses one from another region", () => {
    assert.equal(certificateRegion(CERT), "us-east-1");
    assert.equal(certificateRegion("arn:aws:iam::123456789012:server-certificate/x"), undefined);
    assert.equal(
      certificateRegionProblem(`${LB}.certificateArn`, CERT, "eu-west-1"),
      `${LB}.certificateArn is a certificate in us-east-1, but the stack's load balancer is in eu-west-1 (aws:region); an ALB uses ACM certificates of its own region only: request or import the certificate in eu-west-1, or use loadBalancer.domain {zone, name} to have Greenlight create it there.`,
    );
    assert.equal(certificateRegionProblem(`${LB}.certificateArn`, CERT, "us-east-1"), undefined);
    assert.equal(certificateRegionProblem(`${LB}.certificateArn`, CERT, undefined), undefined);
  });
});
