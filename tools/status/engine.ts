/**
 * Which engine deploys a service, read from ECS itself rather than from any stack setting: a
 * service with the `CODE_DEPLOY` deployment controller is deployed by CodeDeploy (task sets, a
 * deployment group); one with the `ECS` controller by Amazon ECS's own blue/green deployments
 * (service deployments and service revisions). Every command asks here.
 */
import { DescribeServicesCommand, type ECSClient, type Service } from "@aws-sdk/client-ecs";
import { call } from "./call";

/** The engine of a service. `external`: a controller Greenlight does not drive. */
export type Engine = "codedeploy" | "ecs" | "external";

/**
 * The engine of a service from its `deploymentController.type`. ECS's default controller (when
 * the field is absent) is `ECS`. Pure.
 */
export function engineOf(service: Pick<Service, "deploymentController">): Engine {
  switch (service.deploymentController?.type ?? "ECS") {
    case "CODE_DEPLOY":
      return "codedeploy";
    case "ECS":
      return "ecs";
    default:
      return "external";
  }
}

/** How the engine is named to people. */
export function engineLabel(engine: Engine): string {
  switch (engine) {
    case "codedeploy":
      return "CodeDeploy";
    case "ecs":
      return "Amazon ECS blue/green";
    default:
      return "an external deployment controller";
  }
}

/** `DescribeServices` in batches of 10 (its limit), by name; INACTIVE (deleted) ones left out. */
export async function describeServices(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[],
): Promise<Map<string, Service>> {
  const found = new Map<string, Service>();
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10);
    const { services } = await call("ecs:DescribeServices", () =>
      ecs.send(new DescribeServicesCommand({ cluster, services: batch })),
    );
    for (const service of services ?? []) {
      if (service.serviceName !== undefined && service.status !== "INACTIVE") {
        found.set(service.serviceName, service);
      }
    }
  }
  return found;
}

/** One service's engine, with the service as ECS describes it; `undefined` when there is none. */
export async function readServiceEngine(
  ecs: ECSClient,
  cluster: string,
  name: string,
): Promise<{ readonly engine: Engine; readonly service: Service } | undefined> {
  const service = (await describeServices(ecs, cluster, [name])).get(name);
  return service === undefined ? undefined : { engine: engineOf(service), service };
}
