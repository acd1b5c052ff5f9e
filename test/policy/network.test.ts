import { strict as assert } from "assert";
import { TYPES } from "../../policy/lib/types";
import { noPublicIngress, tasksOnlyFromLoadBalancer } from "../../policy/policies/network";
import { messages, UNKNOWN_STRING, validate, type FakeResource } from "./fakes";

/** A small stack: an ALB with a production (443), test (8443) and redirect (80) listener, one service. */
function stack(extra: readonly FakeResource[] = []): FakeResource[] {
  const outputs = (name: string, props: Record<string, unknown>) => ({
    id: `${name}-id`,
    ...props,
  });
  const base: FakeResource[] = [
    { type: TYPES.securityGroup, name: "alb", props: { vpcId: "vpc-1" } },
    { type: TYPES.securityGroup, name: "tasks", props: { vpcId: "vpc-1" } },
    {
      type: TYPES.loadBalancer,
      name: "alb",
      props: { loadBalancerType: "application", securityGroups: ["alb-id"] },
    },
    {
      type: TYPES.listener,
      name: "prod",
      props: { port: 443, protocol: "HTTPS", tags: { role: "prod" } },
      outputs: { port: 443, protocol: "HTTPS", tags: { role: "prod" }, arn: "arn:listener/prod" },
    },
    {
      type: TYPES.listener,
      name: "test",
      props: { port: 8443, protocol: "HTTPS", tags: { role: "test" } },
      outputs: { port: 8443, tags: { role: "test" }, arn: "arn:listener/test" },
    },
    {
      type: TYPES.listener,
      name: "redirect",
      props: {
        port: 80,
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443" } }],
      },
    },
    {
      type: TYPES.ecsService,
      name: "svc",
      props: { name: "svc", networkConfiguration: { securityGroups: ["tasks-id"] } },
    },
    ingress("prod-anywhere", {
      securityGroupId: "alb-id",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    }),
    ingress("prod-anywhere-v6", {
      securityGroupId: "alb-id",
      fromPort: 443,
      toPort: 443,
      cidrIpv6: "::/0",
    }),
    ingress("redirect-anywhere", {
      securityGroupId: "alb-id",
      fromPort: 80,
      toPort: 80,
      cidrIpv4: "0.0.0.0/0",
    }),
    ingress("test-office", {
      securityGroupId: "alb-id",
      fromPort: 8443,
      toPort: 8443,
      cidrIpv4: "198.51.100.0/24",
    }),
    ingress("tasks-from-alb", {
      securityGroupId: "tasks-id",
      fromPort: 8080,
      toPort: 8080,
      referencedSecurityGroupId: "alb-id",
    }),
  ];
  return [...base, ...extra].map((r) =>
    r.type === TYPES.securityGroup && r.outputs === undefined
      ? { ...r, outputs: outputs(r.name, r.props) }
      : r,
  );
}

function ingress(name: string, props: Record<string, unknown>): FakeResource {
  return { type: TYPES.ingressRule, name, props: { ipProtocol: "tcp", ...props } };
}

describe("network policies", () => {
  describe("greenlight-no-public-ingress", () => {
    const check = (resources: FakeResource[]) => validate([noPublicIngress], resources);

    it("admits the internet on production listener ports and the HTTPS redirect", async () => {
      assert.deepEqual(await check(stack()), []);
    });

    it("fails the internet on a test listener port, naming the allowed ports", async () => {
      const found = await check(
        stack([
          ingress("test-anywhere", {
            securityGroupId: "alb-id",
            fromPort: 8443,
            toPort: 8443,
            cidrIpv6: "::/0",
          }),
        ]),
      );
      assert.deepEqual(messages(found), [
        'SecurityGroupIngressRule "test-anywhere" admits ::/0 on port 8443, which is not a ' +
          "production listener port. Admit the internet only on a production listener port " +
          "(80, 443); give other ports specific CIDR ranges or a source security group.",
      ]);
      assert.match(found[0].urn, /::test-anywhere$/);
    });

    it("fails port ranges, all traffic and ICMP from anywhere", async () => {
      const found = messages(
        await check(
          stack([
            ingress("range", {
              securityGroupId: "alb-id",
              fromPort: 0,
              toPort: 65535,
              cidrIpv4: "0.0.0.0/0",
            }),
            ingress("all", { securityGroupId: "alb-id", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
            ingress("icmp", {
              securityGroupId: "alb-id",
              ipProtocol: "icmp",
              fromPort: -1,
              toPort: -1,
              cidrIpv4: "0.0.0.0/0",
            }),
          ]),
        ),
      );
      assert.equal(found.length, 3);
      assert.match(found[0], /"range" admits 0.0.0.0\/0 on ports 0-65535, which is not/);
      assert.match(found[1], /"all" admits 0.0.0.0\/0 on every protocol and port/);
      assert.match(found[2], /"icmp" admits 0.0.0.0\/0 on protocol "icmp" ports -1--1/);
    });

    it("fails a production port opened to the internet on a group no load balancer uses", async () => {
      const found = messages(
        await check(
          stack([
            ingress("tasks-443", {
              securityGroupId: "tasks-id",
              fromPort: 443,
              toPort: 443,
              cidrIpv4: "0.0.0.0/0",
            }),
          ]),
        ),
      );
      assert.deepEqual(found, [
        'SecurityGroupIngressRule "tasks-443" admits 0.0.0.0/0 on port 443, but on a security ' +
          "group that no load balancer uses. Open production ports on the load balancer's " +
          "security group only.",
      ]);
    });

    it("checks inline ingress of security groups and legacy SecurityGroupRule resources", async () => {
      const found = await check(
        stack([
          {
            type: TYPES.securityGroup,
            name: "db",
            props: {
              ingress: [
                { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] },
                { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] },
              ],
            },
          },
          {
            type: TYPES.securityGroupRule,
            name: "ssh",
            props: {
              type: "ingress",
              protocol: "tcp",
              fromPort: 22,
              toPort: 22,
              cidrBlocks: ["0.0.0.0/0"],
              securityGroupId: "alb-id",
            },
          },
          {
            type: TYPES.securityGroupRule,
            name: "egress",
            props: {
              type: "egress",
              protocol: "-1",
              fromPort: 0,
              toPort: 0,
              cidrBlocks: ["0.0.0.0/0"],
              securityGroupId: "alb-id",
            },
          },
        ]),
      );
      assert.deepEqual(
        found.map((v) => v.message.split(",")[0]),
        [
          'SecurityGroupRule "ssh" admits 0.0.0.0/0 on port 22',
          'SecurityGroup "db" ingress[1] admits 0.0.0.0/0 on port 5432',
        ],
      );
    });

    it("takes production ports from the deployment groups' production routes as well", async () => {
      const resources = stack([
        {
          type: TYPES.listener,
          name: "untagged-prod",
          props: { port: 8000 },
          outputs: { port: 8000, arn: "arn:listener/untagged" },
        },
        {
          type: TYPES.deploymentGroup,
          name: "group",
          props: {},
          outputs: {
            loadBalancerInfo: {
              targetGroupPairInfo: {
                prodTrafficRoute: { listenerArns: ["arn:listener/untagged"] },
              },
            },
          },
        },
        ingress("untagged-anywhere", {
          securityGroupId: "alb-id",
          fromPort: 8000,
          toPort: 8000,
          cidrIpv4: "0.0.0.0/0",
        }),
      ]);
      assert.deepEqual(await check(resources), []);
    });

    it("decides nothing on unknown ports or groups, but still fails all traffic (preview)", async () => {
      const found = messages(
        await check(
          stack([
            ingress("unknown-port", {
              securityGroupId: "alb-id",
              fromPort: UNKNOWN_STRING,
              toPort: UNKNOWN_STRING,
              cidrIpv4: "0.0.0.0/0",
            }),
            ingress("unknown-group", {
              securityGroupId: UNKNOWN_STRING,
              fromPort: 443,
              toPort: 443,
              cidrIpv4: "0.0.0.0/0",
            }),
            ingress("unknown-all", {
              securityGroupId: UNKNOWN_STRING,
              ipProtocol: "-1",
              cidrIpv4: "0.0.0.0/0",
            }),
          ]),
        ),
      );
      assert.equal(found.length, 1);
      assert.match(found[0], /"unknown-all" admits 0.0.0.0\/0 on every protocol and port/);
    });
  });

  describe("greenlight-tasks-only-from-alb", () => {
    const check = (resources: FakeResource[]) => validate([tasksOnlyFromLoadBalancer], resources);

    it("accepts the load balancer's security group as the tasks' only source", async () => {
      assert.deepEqual(await check(stack()), []);
    });

    it("fails a CIDR range on the tasks' group, even the VPC's", async () => {
      const found = await check(
        stack([
          ingress("tasks-vpc", {
            securityGroupId: "tasks-id",
            fromPort: 8080,
            toPort: 8080,
            cidrIpv4: "10.0.0.0/16",
          }),
        ]),
      );
      assert.deepEqual(messages(found), [
        'SecurityGroupIngressRule "tasks-vpc" (a security group of ECS tasks) admits CIDR ' +
          "10.0.0.0/16. Admit the tasks' container port from the load balancer's security group " +
          "only (referencedSecurityGroupId).",
      ]);
    });

    it("fails another security group, a prefix list, inline rules and self-reference", async () => {
      const found = messages(
        await check(
          stack([
            { type: TYPES.securityGroup, name: "bastion", props: {} },
            ingress("from-bastion", {
              securityGroupId: "tasks-id",
              fromPort: 22,
              toPort: 22,
              referencedSecurityGroupId: "bastion-id",
            }),
            ingress("from-prefix", {
              securityGroupId: "tasks-id",
              fromPort: 8080,
              toPort: 8080,
              prefixListId: "pl-123",
            }),
            {
              type: TYPES.securityGroup,
              name: "inline-tasks",
              props: { ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, self: true }] },
              outputs: {
                id: "tasks-id",
                ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, self: true }],
              },
            },
          ]),
        ),
      );
      assert.deepEqual(
        found.map((m) => m.split(". ")[0]),
        [
          'SecurityGroupIngressRule "from-bastion" (a security group of ECS tasks) admits security group bastion-id, which no load balancer uses',
          'SecurityGroupIngressRule "from-prefix" (a security group of ECS tasks) admits a prefix list',
          'SecurityGroup "inline-tasks" ingress[0] (a security group of ECS tasks) admits itself',
        ],
      );
    });

    it("leaves security groups that no ECS service uses alone", async () => {
      assert.deepEqual(
        await check(
          stack([
            ingress("other", {
              securityGroupId: "other-id",
              fromPort: 22,
              toPort: 22,
              cidrIpv4: "10.0.0.0/8",
            }),
          ]),
        ),
        [],
      );
    });

    it("decides nothing while the group or the source is unknown (preview)", async () => {
      const found = await check(
        stack([
          ingress("unknown-group", {
            securityGroupId: UNKNOWN_STRING,
            fromPort: 8080,
            toPort: 8080,
            cidrIpv4: "10.0.0.0/16",
          }),
          ingress("unknown-source", {
            securityGroupId: "tasks-id",
            fromPort: 8080,
            toPort: 8080,
            referencedSecurityGroupId: UNKNOWN_STRING,
          }),
          ingress("unknown-cidr", {
            securityGroupId: "tasks-id",
            fromPort: 8080,
            toPort: 8080,
            cidrIpv4: UNKNOWN_STRING,
          }),
        ]),
      );
      assert.deepEqual(found, []);
    });
  });
});
