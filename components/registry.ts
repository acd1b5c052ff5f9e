import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "./tags";

export interface RegistryArgs {
  /** Images kept: enough to roll back to any recent release. */
  readonly keepImages: number;
  /** Untagged images (superseded layers, failed pushes) expire after this many days. @default 7 */
  readonly untaggedExpiryDays?: number;
  /** Delete the repository with its images on `pulumi destroy` (non-production stacks). */
  readonly forceDelete: boolean;
  readonly tags: Tags;
}

/**
 * A service's ECR repository: images are scanned on push and their tags are immutable (a commit's
 * tag always names the same image); a lifecycle policy keeps the newest `keepImages` images.
 */
export class Registry extends pulumi.ComponentResource {
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly repositoryArn: pulumi.Output<string>;
  public readonly repositoryName: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:registry:Registry", name, {}, opts);
    const repository = new aws.ecr.Repository(
      name,
      {
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: args.forceDelete,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      name,
      {
        repository: repository.name,
        policy: JSON.stringify(lifecyclePolicy(args.keepImages, args.untaggedExpiryDays ?? 7)),
      },
      { parent: this },
    );
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    this.repositoryName = repository.name;
    this.registerOutputs({
      repositoryUrl: this.repositoryUrl,
      repositoryArn: this.repositoryArn,
      repositoryName: this.repositoryName,
    });
  }
}

/** The ECR lifecycle policy document: expire untagged images, then keep the newest N. */
export function lifecyclePolicy(keepImages: number, untaggedExpiryDays: number) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${untaggedExpiryDays} days`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: untaggedExpiryDays,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${keepImages} images for rollbacks`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepImages },
        action: { type: "expire" },
      },
    ],
  };
}
