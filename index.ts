/**
 * Greenlight: one environment (stack) of blue/green ECS Fargate services. The stack configuration
 * is validated in full before any resource is created.
 */
import { loadConfig } from "./components/config";
import { greenlight } from "./components/program";

const stack = greenlight(loadConfig());

export const environment = stack.environment;
export const vpcId = stack.vpcId;
export const loadBalancerDns = stack.loadBalancerDns;
export const clusterName = stack.clusterName;
export const codeDeployApplication = stack.codeDeployApplication;
/** Per service: production and test URLs, ECR repository, CodeDeploy group, logs, console links. */
export const services = stack.services;
/** The source connection; complete its handshake once in the console (see the README). */
export const sourceConnectionArn = stack.sourceConnectionArn;
export const artifactBucket = stack.artifactBucket;
/** The AfterAllowTraffic Lambda; its logs: aws logs tail /aws/lambda/<name> --follow */
export const liveHookFunction = stack.liveHookFunction;
/** The stack's CloudWatch dashboard. */
export const dashboardUrl = stack.dashboardUrl;
