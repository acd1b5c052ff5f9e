import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DomainConfig } from "./config";
import type { Tags } from "./tags";

export interface DomainCertificateArgs {
  readonly domain: DomainConfig;
  readonly tags: Tags;
}

/**
 * The ACM certificate for `domain.name`, validated by DNS in the domain's Route 53 zone. It is
 * requested with the stack's provider, so it is in the ALB's region. `certificateArn` resolves
 * only once ACM has issued it (CertificateValidation waits), so the HTTPS listeners that use it
 * are created after validation.
 */
export class DomainCertificate extends pulumi.ComponentResource {
  public readonly zoneId: pulumi.Output<string>;
  /** The issued certificate's ARN (after validation). */
  public readonly certificateArn: pulumi.Output<string>;

  constructor(name: string, args: DomainCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:domain:DomainCertificate", name, {}, opts);
    const { domain, tags } = args;
    // A public zone: ACM validates through public DNS.
    this.zoneId = aws.route53.getZoneOutput(
      "id" in domain.zone
        ? { zoneId: domain.zone.id }
        : { name: domain.zone.name, privateZone: false },
      { parent: this },
    ).zoneId;

    const certificate = new aws.acm.Certificate(
      `${name}-certificate`,
      { domainName: domain.name, validationMethod: "DNS", keyAlgorithm: "RSA_2048", tags },
      { parent: this },
    );
    // One name, so exactly one validation record (ACM's CNAME).
    const option = certificate.domainValidationOptions[0];
    const record = new aws.route53.Record(
      `${name}-validation`,
      {
        zoneId: this.zoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 300,
        // ACM reuses one validation name per domain: adopt the record if a previous stack left it.
        allowOverwrite: true,
      },
      { parent: this },
    );
    const validation = new aws.acm.CertificateValidation(
      `${name}-validation`,
      { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
      { parent: this },
    );
    this.certificateArn = validation.certificateArn;
    this.registerOutputs({ zoneId: this.zoneId, certificateArn: this.certificateArn });
  }
}

export interface DomainAliasArgs {
  readonly name: string;
  readonly zoneId: pulumi.Input<string>;
  readonly loadBalancerDnsName: pulumi.Input<string>;
  readonly loadBalancerZoneId: pulumi.Input<string>;
}

/**
 * `name` → the ALB: an A and an AAAA alias record to the ALB's `dualstack.` name, which is how
 * Route 53 resolves a load balancer's IPv6 addresses (AWS Knowledge Center "elb-configure-with-ipv6";
 * aws-cdk's LoadBalancerTarget does the same). AAAA answers once the ALB is dual-stack; an
 * IPv4-only ALB has no IPv6 address to give. Aliases follow the ALB's changing addresses and cost
 * no queries.
 */
export class DomainAlias extends pulumi.ComponentResource {
  public readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: DomainAliasArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:domain:DomainAlias", name, {}, opts);
    const records = (["A", "AAAA"] as const).map(
      (type) =>
        new aws.route53.Record(
          `${name}-${type.toLowerCase()}`,
          {
            zoneId: args.zoneId,
            name: args.name,
            type,
            aliases: [
              {
                name: pulumi.interpolate`dualstack.${args.loadBalancerDnsName}`,
                zoneId: args.loadBalancerZoneId,
                evaluateTargetHealth: true,
              },
            ],
          },
          { parent: this },
        ),
    );
    this.fqdn = records[0].fqdn;
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
