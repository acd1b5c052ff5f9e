/**
 * What `pulumi destroy` may take with it, per stack — the one place the program decides it.
 * Non-production stacks are disposable: destroy empties and deletes their image repositories and
 * artifact bucket and deletes the Slack secret at once. Production keeps what cannot be rebuilt
 * until a person lets go of it deliberately (README, "Teardown"): destroy stops at the ALB's
 * deletion protection and at any repository or bucket that still holds images or artifacts, and a
 * deleted secret stays recoverable for 30 days. Task definitions are never deregistered (CodeDeploy
 * rolls back to earlier revisions), in any stack.
 */
import { isProduction } from "./config/choices";

export interface TeardownPolicy {
  /** ECR repositories are deleted with their images. */
  readonly deleteImages: boolean;
  /** The pipeline artifact bucket is emptied and deleted. */
  readonly deleteArtifacts: boolean;
  /** Days a deleted Secrets Manager secret stays recoverable (0: deleted at once). */
  readonly secretRecoveryDays: number;
  /** The ALB's deletion protection, unless `loadBalancer.deletionProtection` says otherwise. */
  readonly protectLoadBalancer: boolean;
}

/** The teardown choices of an environment. */
export function teardownPolicy(environment: string): TeardownPolicy {
  const prod = isProduction(environment);
  return {
    deleteImages: !prod,
    deleteArtifacts: !prod,
    secretRecoveryDays: prod ? 30 : 0,
    protectLoadBalancer: prod,
  };
}
