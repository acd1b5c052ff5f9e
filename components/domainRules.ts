/**
 * The rules of the load balancer's name and certificate — `loadBalancer.domain`,
 * `loadBalancer.certificateArn` and `loadBalancer.domainName` — as pure functions over parsed
 * values, applied by the configuration schema (`config/schema.ts`): HTTPS always comes with a
 * name the certificate covers (the live hook probes that name; the ALB's own DNS name would fail
 * TLS verification), and a certificate is in the ALB's region. Problems are relative to the load
 * balancer's settings (or the value given) and name other keys as written.
 */
import { keyOf } from "./config/problems";
import type { Problem } from "./config/rules";

/** A Route 53 hosted zone, by id (`Z0123456789ABCDEFGHIJ`) or by its domain name. */
export type HostedZoneRef = { readonly id: string } | { readonly name: string };

/** A lower-case DNS name without scheme, port, path or trailing dot. */
export const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A Route 53 hosted zone id: `Z` and up to 31 upper-case letters and digits. */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
/** An ACM certificate ARN; its fourth field is the region. */
export const CERTIFICATE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):certificate\/[A-Za-z0-9-]+$/;

/** The region of an ACM certificate ARN (its fourth field), or undefined when it is not one. */
export function certificateRegion(arn: string): string | undefined {
  return CERTIFICATE_ARN.exec(arn)?.[2];
}

/** `domain.zone` as written: a hosted zone id, or a zone name (a trailing dot allowed). */
export function hostedZone(text: string): HostedZoneRef | undefined {
  if (HOSTED_ZONE_ID.test(text)) return { id: text };
  const name = text.replace(/\.$/, "");
  return DNS_NAME.test(name) ? { name } : undefined;
}

/** Why `domain.zone` is in neither form (the message after the key). */
export function hostedZoneMessage(text: unknown): string {
  return `is ${JSON.stringify(text)}, neither a hosted zone id (Z followed by upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ) nor a lower-case domain name (example.com); use one of the two forms.`;
}

/** `loadBalancer.domain`: the name lies in a zone given by name (paths relative to domain). */
export function domainProblems(domain: { zone: HostedZoneRef; name: string }): Problem[] {
  const { zone, name } = domain;
  if (!("name" in zone) || name === zone.name || name.endsWith(`.${zone.name}`)) return [];
  return [
    {
      path: ["name"],
      message: `is ${name}, which is not in the zone ${zone.name}; choose a name under ${zone.name} or the zone that holds ${name}.`,
    },
  ];
}

/** The TLS settings of the load balancer, as parsed. */
export interface TlsSettings {
  readonly certificateArn?: string;
  readonly domainName?: string;
  readonly domain?: { readonly zone: HostedZoneRef; readonly name: string };
}

/** Whether the listeners serve HTTPS: a certificate is given, or Greenlight creates one. */
export function usesHttps(lb: TlsSettings): boolean {
  return lb.certificateArn !== undefined || lb.domain !== undefined;
}

/**
 * The combinations that cannot work: `domain` together with `certificateArn` or `domainName`
 * (the domain names itself and brings its certificate), and a certificate without the name it
 * covers. Paths relative to the load balancer's settings.
 */
export function tlsProblems(lb: TlsSettings): Problem[] {
  const key = (k: string) => keyOf(["loadBalancer", k]);
  const problems: Problem[] = [];
  if (lb.domain !== undefined && lb.certificateArn !== undefined) {
    problems.push({
      path: ["domain"],
      message: `and ${key("certificateArn")} are both set; use domain to have Greenlight create and validate the certificate, or certificateArn with domainName for one managed elsewhere, not both.`,
    });
  }
  if (lb.domain !== undefined && lb.domainName !== undefined) {
    problems.push({
      path: ["domain"],
      message: `and ${key("domainName")} are both set; domain.name is the name: remove domainName.`,
    });
  }
  if (lb.certificateArn !== undefined && lb.domainName === undefined && lb.domain === undefined) {
    problems.push({
      path: ["certificateArn"],
      message: `is set without ${key("domainName")}; HTTPS needs the name the certificate covers, pointing at the ALB (the live hook probes it: the ALB's own DNS name fails TLS verification). Set domainName, or replace certificateArn with domain {zone, name} to have Greenlight create the certificate and the DNS records.`,
    });
  }
  return problems;
}

/** The name outputs use and the live hook probes: `domain.name`, else `domainName`. */
export function resolveTls<T extends TlsSettings>(lb: T): T {
  return { ...lb, domainName: lb.domain?.name ?? lb.domainName };
}

/**
 * A certificate from another region than the stack's: an ALB only uses ACM certificates of its
 * own region. `region` is the stack's `aws:region`; undefined skips the check. Paths relative to
 * the load balancer's settings.
 */
export function certificateRegionProblems(
  certificateArn: string | undefined,
  region: string | undefined,
): Problem[] {
  if (certificateArn === undefined || region === undefined) return [];
  const certRegion = certificateRegion(certificateArn);
  if (certRegion === undefined || certRegion === region) return [];
  return [
    {
      path: ["certificateArn"],
      message: `is a certificate in ${certRegion}, but the stack's load balancer is in ${region} (aws:region); an ALB uses ACM certificates of its own region only: request or import the certificate in ${region}, or use loadBalancer.domain {zone, name} to have Greenlight create it there.`,
    },
  ];
}
