/**
 * Reading an Application Load Balancer the way both live hooks need it: the health of a target
 * group's targets, and which target group a weighted forward action sends traffic to. Only the
 * Elastic Load Balancing client is imported, so a bundle that uses this loads no other service.
 */
import {
  DescribeTargetHealthCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { toTargetHealthState, type TargetHealth } from "../core/targets";
import { callAws } from "./aws";

/** Reads the health of every target in a target group. */
export async function describeTargetHealth(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  signal?: AbortSignal,
): Promise<TargetHealth[]> {
  const { TargetHealthDescriptions: descriptions } = await callAws(signal, (o) =>
    elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), o),
  );
  return (descriptions ?? []).map(({ Target: target, TargetHealth: health }) => ({
    id: target?.Id ?? "(unknown)",
    ...(target?.Port === undefined ? {} : { port: target.Port }),
    state: toTargetHealthState(health?.State),
    ...(health?.Reason === undefined ? {} : { reason: health.Reason }),
    ...(health?.Description === undefined ? {} : { description: health.Description }),
  }));
}

/**
 * The target group a forward action sends most traffic to: the weighted target with the highest
 * weight above 0 (the deployer leaves the old group in the action at weight 0), or the action's
 * `TargetGroupArn` when it is not weighted. Pure.
 */
export function heaviestForwardTarget(actions: readonly Action[]): string | undefined {
  const forward = actions.find((action) => action.Type === "forward");
  if (forward === undefined) return undefined;
  const [heaviest] = (forward.ForwardConfig?.TargetGroups ?? [])
    .filter((group) => group.TargetGroupArn !== undefined && (group.Weight ?? 1) > 0)
    .sort((a, b) => (b.Weight ?? 1) - (a.Weight ?? 1));
  return heaviest?.TargetGroupArn ?? forward.TargetGroupArn;
}
