/**
 * What the Pulumi program must wire for the ECS lifecycle hook, and the facts it rests on.
 * Checked against `@pulumi/aws` 7.48 (`node_modules/@pulumi/aws/ecs/service.d.ts`,
 * `types/input.d.ts`) and the AWS documentation named below.
 *
 * `aws.ecs.Service` (types/input.d.ts, namespace ecs):
 * - `deploymentController?: { type?: "CODE_DEPLOY" | "ECS" | "EXTERNAL" }` — "Default: `ECS`".
 * - `deploymentConfiguration?: ServiceDeploymentConfiguration`:
 *   `strategy?: string` ("Valid values: `ROLLING`, `BLUE_GREEN`, `LINEAR`, `CANARY`. Default:
 *   `ROLLING`"), `bakeTimeInMinutes?: string` ("Valid range: 0-1440 minutes. Used with
 *   `BLUE_GREEN`, `LINEAR`, and `CANARY`" — a string, not a number), `linearConfiguration?:
 *   { stepPercent?: number, stepBakeTimeInMinutes?: string }` (3.0-100.0 percent, 0-1440 minutes),
 *   `canaryConfiguration?: { canaryPercent?: number, canaryBakeTimeInMinutes?: string }`
 *   (0.1-100.0 percent, 0-1440 minutes), `lifecycleHooks?: { hookTargetArn?, roleArn?, lifecycleStages:
 *   string[], hookDetails?: string (JSON), targetType?: "AWS_LAMBDA" | "PAUSE",
 *   timeoutConfiguration?: { action?: "ROLLBACK" | "CONTINUE", timeoutInMinutes?: string } }[]`.
 *   The provider's `lifecycleStages` doc lists RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP,
 *   TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT,
 *   POST_PRODUCTION_TRAFFIC_SHIFT (not PRE_PRODUCTION_TRAFFIC_SHIFT, which the ECS guide adds), and
 *   says `timeoutConfiguration` is "Only valid when `targetType` is `PAUSE`", whereas the ECS guide
 *   ("Lambda hooks…", Timeout configuration) documents it for Lambda hooks too: do not rely on it
 *   for Lambda hooks until a real `pulumi up` shows the provider accepts it.
 * - Alarms are top-level in Pulumi, not under `deploymentConfiguration` as in the ECS API:
 *   `alarms?: { alarmNames: string[], enable: boolean, rollback: boolean }`, and
 *   `deploymentCircuitBreaker?: { enable: boolean, rollback: boolean }`.
 * - `loadBalancers[].advancedConfiguration?: { alternateTargetGroupArn: string,
 *   productionListenerRule: string, roleArn: string, testListenerRule?: string }` — "Required when
 *   using `BLUE_GREEN` deployment strategy".
 * - `aws.lb.ListenerRule` `actions[].forward: { targetGroups: { arn: string, weight?: number (0-999)
 *   }[], stickiness?: { duration: number, enabled?: boolean } }`; conditions
 *   `hostHeader: { values?: string[] }` (case-insensitive, `*` and `?` wildcards) and
 *   `pathPattern: { values?: string[] }` (case-sensitive).
 *
 * Rollback on alarms: the ECS guide ("Amazon ECS deployment failure detection") says both the
 * circuit breaker and CloudWatch alarms "only support rolling update deployment and blue/green
 * deployment types", and the blue/green workflow page monitors "alarm states during the bake
 * time period"; older API text still says the circuit breaker is for rolling updates only.
 *
 * The hook role (ECS guide, "Required permissions for Lambda functions in Amazon ECS blue/green
 * deployments"): trusted by `ecs.amazonaws.com`, allowed `lambda:InvokeFunction` on the hook
 * function only. The infrastructure role for `advancedConfiguration.roleArn`: the AWS managed
 * policy `AmazonECSInfrastructureRolePolicyForLoadBalancers` (v6, February 2026): ELB Describe*
 * on `*`, Register/DeregisterTargets on target group ARNs, ModifyListener on ALB and NLB listener
 * ARNs (read in the policy reference), and ModifyRule on listener rules (recorded in DESIGN.md;
 * the policy text read here was cut off before that statement). A least-privilege inline copy
 * would scope them to the stack's own target groups, listeners and rules.
 */
import { CHECKED_STAGES, EcsLifecycleStage } from "./event";

/** The principal that invokes lifecycle hooks (the hook role's trust policy). */
export const HOOK_INVOKER_PRINCIPAL = "ecs.amazonaws.com";

/** The AWS managed policy for the load balancer infrastructure role. */
export const LOAD_BALANCER_INFRASTRUCTURE_POLICY_ARN =
  "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers";

/** The stages to register the hook at: production always, the test route when asked. */
export function hookStages(checkTestRoute: boolean): string[] {
  return CHECKED_STAGES.filter(
    (stage) => checkTestRoute || stage === EcsLifecycleStage.postProductionTrafficShift,
  );
}

/**
 * The actions the hook function's own role needs, and on what (for the program's policy):
 * `resources` names the ARN pattern, with `<env>` for the stack's environment.
 */
export const HOOK_FUNCTION_PERMISSIONS = [
  {
    actions: ["ecs:DescribeServiceRevisions", "ecs:DescribeServiceDeployments"],
    // Whether these two take resource-level permissions was not confirmed in the Service
    // Authorization Reference here: grant "*" until it is, rather than risk every check failing.
    resources: "* until resource-level support is confirmed",
  },
  { actions: ["ecs:DescribeTaskDefinition"], resources: "* (no resource-level permissions)" },
  {
    actions: [
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTargetHealth",
    ],
    resources: "* (Describe actions take no resource)",
  },
  {
    actions: ["ssm:GetParameter", "ssm:PutParameter"],
    resources: "arn:aws:ssm:<region>:<account>:parameter/greenlight/<env>/*",
  },
  { actions: ["secretsmanager:GetSecretValue"], resources: "the Slack webhook secret" },
] as const;
