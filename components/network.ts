import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NatStrategy, NetworkConfig } from "./config";
import type { Tags } from "./tags";

export interface NetworkArgs {
  /** The validated `greenlight:network` settings. */
  readonly config: NetworkConfig;
  readonly tags: Tags;
}

/**
 * A VPC across two or more availability zones with public subnets (the ALB, NAT gateways) and
 * private subnets (the tasks), with the NAT strategy the stack chose; or an existing VPC adopted by
 * ids. With `natGateways: none` the private subnets have no way out, so tasks run in the public
 * subnets with public IPs (their security group still admits only the load balancer).
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly vpcCidr: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly privateSubnetIds: pulumi.Output<string>[];
  /** Where tasks run: the private subnets, or the public ones when there is no NAT. */
  public readonly taskSubnetIds: pulumi.Output<string>[];
  public readonly assignPublicIp: boolean;
  public readonly natGatewayIds: pulumi.Output<string>[];
  /** The NAT gateways' public addresses: what VPC traffic to the internet leaves from. */
  public readonly natPublicIps: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:network:Network", name, {}, opts);
    const { config, tags } = args;

    if (config.mode === "existing") {
      const vpcId = config.vpcId!;
      this.vpcId = pulumi.output(vpcId);
      this.vpcCidr = aws.ec2.getVpcOutput({ id: vpcId }, { parent: this }).cidrBlock;
      this.publicSubnetIds = config.publicSubnetIds.map((id) => pulumi.output(id));
      this.privateSubnetIds = config.privateSubnetIds.map((id) => pulumi.output(id));
      this.natGatewayIds = [];
      this.natPublicIps = [];
    } else {
      const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        {
          cidrBlock: config.cidr!,
          enableDnsHostnames: true,
          enableDnsSupport: true,
          tags: { ...tags, Name: `${name}-vpc` },
        },
        { parent: this },
      );
      this.vpcId = vpc.id;
      this.vpcCidr = vpc.cidrBlock;

      const zones = zoneNames(config.availabilityZones, this);
      const igw = new aws.ec2.InternetGateway(
        `${name}-igw`,
        { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } },
        { parent: this },
      );
      const publicRoutes = new aws.ec2.RouteTable(
        `${name}-public`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
          tags: { ...tags, Name: `${name}-public` },
        },
        { parent: this },
      );

      const publicSubnets = config.publicSubnetCidrs.map((cidr, i) => {
        const subnet = new aws.ec2.Subnet(
          `${name}-public-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZone: zones[i],
            mapPublicIpOnLaunch: false,
            tags: { ...tags, Name: `${name}-public-${i}`, tier: "public" },
          },
          { parent: this },
        );
        new aws.ec2.RouteTableAssociation(
          `${name}-public-${i}`,
          { subnetId: subnet.id, routeTableId: publicRoutes.id },
          { parent: this },
        );
        return subnet;
      });

      const natCount = natGatewayCount(config.natGateways, publicSubnets.length);
      const eips: aws.ec2.Eip[] = [];
      const natGateways = publicSubnets.slice(0, natCount).map((subnet, i) => {
        const eip = new aws.ec2.Eip(
          `${name}-nat-${i}`,
          { domain: "vpc", tags: { ...tags, Name: `${name}-nat-${i}` } },
          { parent: this },
        );
        eips.push(eip);
        return new aws.ec2.NatGateway(
          `${name}-nat-${i}`,
          {
            subnetId: subnet.id,
            allocationId: eip.id,
            tags: { ...tags, Name: `${name}-nat-${i}` },
          },
          { parent: this, dependsOn: [igw] },
        );
      });
      this.natGatewayIds = natGateways.map((n) => n.id);
      this.natPublicIps = eips.map((e) => e.publicIp);

      const privateSubnets = config.privateSubnetCidrs.map((cidr, i) => {
        const subnet = new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZone: zones[i],
            mapPublicIpOnLaunch: false,
            tags: { ...tags, Name: `${name}-private-${i}`, tier: "private" },
          },
          { parent: this },
        );
        // Each zone routes through its own NAT gateway when there is one per zone, else the first.
        const nat =
          natGateways.length > 0 ? natGateways[Math.min(i, natGateways.length - 1)] : undefined;
        const routes = new aws.ec2.RouteTable(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            routes: nat ? [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] : [],
            tags: { ...tags, Name: `${name}-private-${i}` },
          },
          { parent: this },
        );
        new aws.ec2.RouteTableAssociation(
          `${name}-private-${i}`,
          { subnetId: subnet.id, routeTableId: routes.id },
          { parent: this },
        );
        return subnet;
      });
      this.publicSubnetIds = publicSubnets.map((s) => s.id);
      this.privateSubnetIds = privateSubnets.map((s) => s.id);
    }

    this.assignPublicIp = config.mode === "create" && config.natGateways === "none";
    this.taskSubnetIds = this.assignPublicIp ? this.publicSubnetIds : this.privateSubnetIds;

    this.registerOutputs({
      vpcId: this.vpcId,
      vpcCidr: this.vpcCidr,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      natGatewayIds: this.natGatewayIds,
    });
  }
}

/** NAT gateways to create for a strategy and a number of zones. */
export function natGatewayCount(strategy: NatStrategy, zones: number): number {
  switch (strategy) {
    case "none":
      return 0;
    case "single":
      return 1;
    case "perAz":
      return zones;
  }
}

/** Zone names: given, or the first `count` available zones of the region. */
function zoneNames(
  zones: number | readonly string[],
  parent: pulumi.Resource,
): pulumi.Input<string>[] {
  if (typeof zones !== "number") {
    return [...zones];
  }
  const available = aws.getAvailabilityZonesOutput({ state: "available" }, { parent });
  return Array.from({ length: zones }, (_, i) =>
    available.names.apply((names) => {
      if (names.length <= i) {
        throw new Error(
          `greenlight:network.availabilityZones is ${zones}, but the region has ${names.length} available zones; lower it.`,
        );
      }
      return names[i];
    }),
  );
}
