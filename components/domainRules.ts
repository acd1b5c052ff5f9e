/**
 * The rules of the load balancer's name and certificate — `loadBalancer.domain`,
 * `loadBalancer.certificateArn` and `loadBalancer.domainName` — as pure functions over plain
 * values: HTTPS always comes with a name the certificate covers (the live hook probes that name; the
 * ALB's own DNS name would fail TLS verification), and a certificate is in the ALB's region.
 */
import type { Parsed } from "./serviceRules";

/** A Route 53 hosted zone, by id (`Z0123456789ABCDEFGHIJ`) or by its domain name. */
export type HostedZoneRef = { readonly id: string } | { readonly name: string };

/** `loadBalancer.domain`: Greenlight creates the certificate and the DNS records for `name`. */
export interface DomainConfig {
  readonly zone: HostedZoneRef;
  /** The fully qualified name that points at the ALB (`shop.example.com`). */
  readonly name: string;
}

/** A lower-case DNS name without scheme, port, path or trailing dot. */
export const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A Route 53 hosted zone id: `Z` and up to 31 upper-case letters and digits. */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const CERTIFICATE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):certificate\/[A-Za-z0-9-]+$/;

/** The region of an ACM certificate ARN (its fourth field), or undefined when it is not one. */
export function certificateRegion(arn: string): string | undefined {
  return CERTIFICATE_ARN.exec(arn)?.[2];
}

/** Parses `loadBalancer.domain` `{zone, name}`. */
export function parseDomain(key: string, value: unknown): Parsed<DomainConfig | undefined> {
  if (value === undefined || value === null) return { value: undefined, problems: [] };
  if (typeof value !== "object" || Array.isArray(value)) {
    return {
      value: undefined,
      problems: [
        `${key} must be a map {zone: <Route 53 hosted zone name or id>, name: <the service's DNS name>}, e.g. {zone: example.com, name: shop.example.com}.`,
      ],
    };
  }
  const raw = value as Record<string, unknown>;
  const problems = Object.keys(raw)
    .filter((k) => k !== "zone" && k !== "name")
    .map((k) => `${key}.${k} is not a Greenlight setting; known settings: zone, name.`);
  let zone: HostedZoneRef | undefined;
  const zoneText = raw.zone;
  if (typeof zoneText !== "string" || zoneText === "") {
    problems.push(
      `${key}.zone is required; give the public Route 53 hosted zone that holds the name, by its name (example.com) or its id (Z0123456789ABCDEFGHIJ).`,
    );
  } else if (HOSTED_ZONE_ID.test(zoneText)) {
    zone = { id: zoneText };
  } else {
    const name = zoneText.replace(/\.$/, "");
    if (DNS_NAME.test(name)) {
      zone = { name };
    } else {
      problems.push(
        `${key}.zone is ${JSON.stringify(zoneText)}, neither a hosted zone id (Z followed by upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ) nor a lower-case domain name (example.com); use one of the two forms.`,
      );
    }
  }
  const name = raw.name;
  if (typeof name !== "string" || !DNS_NAME.test(name)) {
    problems.push(
      `${key}.name is ${typeof name === "string" ? JSON.stringify(name) : "missing"}; give the lower-case DNS name people and the live hook use, such as shop.example.com (no scheme, port, path or wildcard).`,
    );
  } else if (
    zone !== undefined &&
    "name" in zone &&
    name !== zone.name &&
    !name.endsWith(`.${zone.name}`)
  ) {
    problems.push(
      `${key}.name is ${name}, which is not in the zone ${zone.name}; choose a name under ${zone.name} or the zone that holds ${name}.`,
    );
  }
  if (problems.length > 0 || zone === undefined || typeof name !== "string") {
    return { value: undefined, problems };
  }
  return { value: { zone, name }, problems };
}

/** The TLS settings of the load balancer, as parsed. */
export interface TlsSettings {
  readonly certificateArn?: string;
  readonly domainName?: string;
  readonly domain?: DomainConfig;
}

/** Whether the listeners serve HTTPS: a certificate is given, or Greenlight creates one. */
export function usesHttps(lb: TlsSettings): boolean {
  return lb.certificateArn !== undefined || lb.domain !== undefined;
}

/**
 * The combinations that cannot work: `domain` together with `certificateArn` or `domainName`
 * (the domain names itself and brings its certificate), and a certificate without the name it
 * covers. `key` is the load balancer's key (`greenlight:loadBalancer`).
 */
export function tlsProblems(key: string, lb: TlsSettings): string[] {
  const problems: string[] = [];
  if (lb.domain !== undefined && lb.certificateArn !== undefined) {
    problems.push(
      `${key}.domain and ${key}.certificateArn are both set; use domain to have Greenlight create and validate the certificate, or certificateArn with domainName for one managed elsewhere, not both.`,
    );
  }
  if (lb.domain !== undefined && lb.domainName !== undefined) {
    problems.push(
      `${key}.domain and ${key}.domainName are both set; domain.name is the name: remove domainName.`,
    );
  }
  if (lb.certificateArn !== undefined && lb.domainName === undefined && lb.domain === undefined) {
    problems.push(
      `${key}.certificateArn is set without ${key}.domainName; HTTPS needs the name the certificate covers, pointing at the ALB (the live hook probes it: the ALB's own DNS name fails TLS verification). Set domainName, or replace certificateArn with domain {zone, name} to have Greenlight create the certificate and the DNS records.`,
    );
  }
  return problems;
}

/**
 * A certificate from another region than the stack's: an ALB only uses ACM certificates of its
 * own region. `region` is the stack's `aws:region`; undefined skips the check.
 */
export function certificateRegionProblem(
  key: string,
  certificateArn: string | undefined,
  region: string | undefined,
): string | undefined {
  if (certificateArn === undefined || region === undefined) return undefined;
  const certRegion = certificateRegion(certificateArn);
  if (certRegion === undefined || certRegion === region) return undefined;
  return `${key} is a certificate in ${certRegion}, but the stack's load balancer is in ${region} (aws:region); an ALB uses ACM certificates of its own region only: request or import the certificate in ${region}, or use loadBalancer.domain {zone, name} to have Greenlight create it there.`;
}
