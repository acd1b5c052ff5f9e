import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "./tags";

/** Where traffic of a rule comes from (ingress) or goes to (egress): a range or a group. */
export type Peer =
  | { readonly cidrIpv4: pulumi.Input<string> }
  | { readonly referencedSecurityGroupId: pulumi.Input<string> };

export interface PortRuleArgs {
  readonly securityGroupId: pulumi.Input<string>;
  readonly port: number;
  readonly peer: Peer;
  readonly description: pulumi.Input<string>;
  readonly tags: Tags;
}

/** A security group rule for one TCP port: every rule Greenlight writes but the tasks' egress. */
export function portRule(
  direction: "ingress" | "egress",
  name: string,
  args: PortRuleArgs,
  parent: pulumi.Resource,
): aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule {
  const ruleArgs = {
    securityGroupId: args.securityGroupId,
    description: args.description,
    ipProtocol: "tcp",
    fromPort: args.port,
    toPort: args.port,
    ...args.peer,
    tags: args.tags,
  };
  return direction === "ingress"
    ? new aws.vpc.SecurityGroupIngressRule(name, ruleArgs, { parent })
    : new aws.vpc.SecurityGroupEgressRule(name, ruleArgs, { parent });
}
