import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "./tags";

export interface ClusterArgs {
  /** Create the CodeDeploy application (the codedeploy engine). @default true */
  readonly codeDeploy?: boolean;
  readonly tags: Tags;
}

/**
 * The stack's ECS cluster (with Container Insights) and its CodeDeploy application: every
 * service of the stack runs on the one and deploys through the other.
 */
export class Cluster extends pulumi.ComponentResource {
  public readonly clusterArn: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  /** The CodeDeploy application; none on the ecs engine. */
  public readonly applicationName?: pulumi.Output<string>;
  public readonly applicationArn?: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:cluster:Cluster", name, {}, opts);
    const cluster = new aws.ecs.Cluster(
      name,
      {
        settings: [{ name: "containerInsights", value: "enabled" }],
        tags: args.tags,
      },
      { parent: this },
    );
    this.clusterArn = cluster.arn;
    this.clusterName = cluster.name;
    if (args.codeDeploy ?? true) {
      const application = new aws.codedeploy.Application(
        name,
        { computePlatform: "ECS", tags: args.tags },
        { parent: this },
      );
      this.applicationName = application.name;
      this.applicationArn = application.arn;
    }
    this.registerOutputs({
      clusterArn: this.clusterArn,
      clusterName: this.clusterName,
      applicationName: this.applicationName,
    });
  }
}
