/**
 * Links to the AWS console pages people open when a notice or an alert arrives. Pure.
 */

function consoleBase(region: string): string {
  return `https://${region}.console.aws.amazon.com`;
}

/** The CodeDeploy console page of a deployment. */
export function codeDeployConsoleUrl(region: string, deploymentId: string): string {
  const id = encodeURIComponent(deploymentId);
  return `${consoleBase(region)}/codesuite/codedeploy/deployments/${id}?region=${region}`;
}

/** The CodePipeline console page of one execution of a pipeline. */
export function pipelineExecutionConsoleUrl(
  region: string,
  pipeline: string,
  executionId: string,
): string {
  const name = encodeURIComponent(pipeline);
  const id = encodeURIComponent(executionId);
  return `${consoleBase(region)}/codesuite/codepipeline/pipelines/${name}/executions/${id}/timeline?region=${region}`;
}

/** The ECS console page of a task (stopped tasks stay visible for about an hour). */
export function ecsTaskConsoleUrl(region: string, cluster: string, taskId: string): string {
  return `${consoleBase(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/tasks/${encodeURIComponent(taskId)}/configuration?region=${region}`;
}

/** The ECS console page of a service's events. */
export function ecsServiceConsoleUrl(region: string, cluster: string, service: string): string {
  return `${consoleBase(region)}/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/events?region=${region}`;
}

/** The CloudWatch console page of an alarm. */
export function alarmConsoleUrl(region: string, alarmName: string): string {
  return `${consoleBase(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

/** The last segment of an ARN's resource (`…:task/cluster/abc` → `abc`). */
export function arnResourceId(arn: string): string {
  const resource = arn.split(":").slice(5).join(":");
  return resource.split("/").pop() ?? arn;
}

/** The name of an ECS cluster from its ARN (`…:cluster/greenlight-dev` → `greenlight-dev`). */
export function clusterNameOfArn(clusterArn: string): string {
  return arnResourceId(clusterArn);
}

/** `family:revision` of a task definition ARN, or the ARN itself when it has no such part. */
export function taskDefinitionLabel(taskDefinitionArn: string): string {
  const match = /task-definition\/(.+)$/.exec(taskDefinitionArn);
  return match?.[1] ?? taskDefinitionArn;
}
