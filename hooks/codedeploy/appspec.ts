/**
 * Reading the ECS AppSpec of a CodeDeploy revision: which task definition is being deployed, and
 * which container the load balancer sends traffic to.
 *
 * AppSpec content is JSON or YAML. JSON is parsed fully. YAML is read minimally (the `yaml` package
 * would triple the bundle): an ECS AppSpec has exactly one target service, so each key the hook needs
 * (`TaskDefinition`, `ContainerName`, `ContainerPort`) must appear once, as a plain or quoted scalar.
 */

/** What the live hook needs from an AppSpec. */
export interface AppSpecTarget {
  /** `Resources[0].TargetService.Properties.TaskDefinition`. */
  readonly taskDefinitionArn: string;
  /** `…Properties.LoadBalancerInfo.ContainerName`, when given. */
  readonly containerName?: string;
  /** `…Properties.LoadBalancerInfo.ContainerPort`, when given. */
  readonly containerPort?: number;
}

/** The AppSpec cannot be used. */
export class AppSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppSpecError";
  }
}

/** Reads an ECS AppSpec (JSON or YAML). Pure; throws {@link AppSpecError}. */
export function readAppSpec(content: string): AppSpecTarget {
  const trimmed = content.trim();
  if (trimmed === "") throw new AppSpecError("the AppSpec content is empty");
  return trimmed.startsWith("{") ? readJsonAppSpec(trimmed) : readYamlAppSpec(trimmed);
}

function readJsonAppSpec(content: string): AppSpecTarget {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch (error) {
    throw new AppSpecError(
      `the AppSpec looks like JSON but does not parse: ${(error as Error).message}`,
    );
  }
  const resources = property(document, "Resources");
  const first: unknown = Array.isArray(resources) ? resources[0] : undefined;
  const properties = property(property(first, "TargetService"), "Properties");
  const taskDefinitionArn = property(properties, "TaskDefinition");
  if (typeof taskDefinitionArn !== "string" || taskDefinitionArn === "") {
    throw new AppSpecError(
      "the AppSpec has no Resources[0].TargetService.Properties.TaskDefinition",
    );
  }
  const loadBalancerInfo = property(properties, "LoadBalancerInfo");
  const containerName = property(loadBalancerInfo, "ContainerName");
  const containerPort = Number(property(loadBalancerInfo, "ContainerPort"));
  return {
    taskDefinitionArn,
    ...(typeof containerName === "string" && containerName !== "" ? { containerName } : {}),
    ...(Number.isInteger(containerPort) && containerPort > 0 ? { containerPort } : {}),
  };
}

function readYamlAppSpec(content: string): AppSpecTarget {
  const taskDefinitionArn = yamlScalar(content, "TaskDefinition");
  if (taskDefinitionArn === undefined || taskDefinitionArn === "") {
    throw new AppSpecError(
      "the AppSpec has no Resources[0].TargetService.Properties.TaskDefinition",
    );
  }
  const containerName = yamlScalar(content, "ContainerName");
  const containerPort = Number(yamlScalar(content, "ContainerPort"));
  return {
    taskDefinitionArn,
    ...(containerName === undefined || containerName === "" ? {} : { containerName }),
    ...(Number.isInteger(containerPort) && containerPort > 0 ? { containerPort } : {}),
  };
}

/** The scalar value of a key that must appear at most once, e.g. `  TaskDefinition: "arn:…"`. */
function yamlScalar(content: string, key: string): string | undefined {
  const pattern = new RegExp(`^\\s*(?:-\\s+)?["']?${key}["']?\\s*:\\s*(.*)$`);
  const values = content
    .split(/\r?\n/)
    .map((line) => pattern.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => unquote(match[1] ?? ""));
  if (values.length > 1) {
    throw new AppSpecError(
      `the AppSpec names ${key} ${values.length} times; an ECS AppSpec has one target service`,
    );
  }
  return values[0];
}

function unquote(raw: string): string {
  const value = raw.trim();
  const quoted = /^(["'])(.*)\1\s*(?:#.*)?$/.exec(value);
  if (quoted !== null) return quoted[2] ?? "";
  return value.replace(/\s+#.*$/, "").trim();
}

function property(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
