import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { HookEnv } from "../../../hooks/codedeploy/settings";
import {
  APPLICATION,
  BLUE_TG,
  buildEnvironment,
  DEPLOYMENT_GROUP,
  deploymentGroupOutput,
  deploymentOutput,
  GREEN_TG,
  IMAGE_URI,
  LISTENER_ARN,
  LOAD_BALANCER_ARN,
  REGION,
  TASK_DEFINITION_ARN,
} from "./aws-fixtures";

/**
 * A local fake of the AWS APIs the live hook calls, spoken over HTTP the way the real SDK clients
 * speak them (`AWS_ENDPOINT_URL` points every client here): JSON 1.1 (`X-Amz-Target`) for
 * CodeDeploy, ECS, Secrets Manager and SSM; the Query protocol (form body, XML answer) for ELBv2.
 * CodeDeploy keeps the lifecycle event's status like the real one: the first report sets it,
 * every later one is refused with `LifecycleEventAlreadyCompletedException`.
 */

/** What a scripted call does instead of answering normally. */
export type Fault =
  /** An error answer (5xx, or 400 with an error type such as `ThrottlingException`). */
  | { readonly kind: "error"; readonly status: number; readonly type: string }
  /** Never answers (the connection stays open until the server closes). */
  | { readonly kind: "hang" }
  /** The connection is cut before the call takes effect. */
  | { readonly kind: "reset" }
  /** The call takes effect, then the connection is cut: the answer is lost. */
  | { readonly kind: "lose" };

/** The fault (if any) of a call, by its 1-based number and the ms since the operation's first call. */
export type FaultScript = (call: number, sinceFirstMs: number) => Fault | undefined;

/** The operations the fake serves. */
export type Operation =
  | "GetDeployment"
  | "GetDeploymentGroup"
  | "PutLifecycleEventHookExecutionStatus"
  | "ListDeploymentTargets"
  | "BatchGetDeploymentTargets"
  | "DescribeTaskDefinition"
  | "DescribeListeners"
  | "DescribeLoadBalancers"
  | "DescribeTargetHealth"
  | "GetSecretValue"
  | "PutParameter";

export interface FakeAwsOptions {
  /** Faults by operation. */
  readonly faults?: Partial<Record<Operation, FaultScript>>;
  /** The status CodeDeploy already holds for the lifecycle event (a duplicate delivery). */
  readonly holds?: "Succeeded" | "Failed";
  /** The application the deployment belongs to. @default APPLICATION */
  readonly applicationName?: string;
  /** The Slack webhook URL in the secret. */
  readonly webhookUrl: string;
  /** The port of the `/version` server (the listener's port; the load balancer is 127.0.0.1). */
  readonly versionPort: number;
}

/** A report CodeDeploy received, and what became of it. */
export interface ReportCall {
  readonly status: string;
  /** When it arrived (epoch milliseconds). */
  readonly at: number;
  readonly outcome: "accepted" | "refused" | Fault["kind"] | "error";
}

export interface FakeAws {
  readonly url: string;
  /** Every report call, in order. */
  readonly reports: ReportCall[];
  /** The status CodeDeploy holds for the lifecycle event. */
  holds(): string | undefined;
  /** Calls by operation. */
  calls(operation: Operation): number;
  /** Parameter writes that took effect. */
  readonly parameters: { readonly name: string; readonly value: string }[];
  close(): Promise<void>;
}

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const counts = new Map<Operation, number>();
  const firstAt = new Map<Operation, number>();
  const reports: ReportCall[] = [];
  const parameters: { name: string; value: string }[] = [];
  let holds: string | undefined = options.holds;
  const sockets = new Set<Socket>();

  const handle = (request: IncomingMessage, response: ServerResponse, body: string): void => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const query = target === "" ? new URLSearchParams(body) : undefined;
    const operation = (target === "" ? query?.get("Action") : target.split(".").pop()) as
      Operation | undefined;
    if (operation === undefined) {
      response.writeHead(400).end("no operation");
      return;
    }
    const call = (counts.get(operation) ?? 0) + 1;
    counts.set(operation, call);
    if (!firstAt.has(operation)) firstAt.set(operation, Date.now());
    const fault = options.faults?.[operation]?.(call, Date.now() - (firstAt.get(operation) ?? 0));
    const input = query === undefined ? (JSON.parse(body || "{}") as Record<string, unknown>) : {};

    if (fault?.kind === "hang") {
      if (operation === "PutLifecycleEventHookExecutionStatus") {
        reports.push({ status: String(input.status), at: Date.now(), outcome: "hang" });
      }
      return;
    }
    if (fault?.kind === "reset") {
      if (operation === "PutLifecycleEventHookExecutionStatus") {
        reports.push({ status: String(input.status), at: Date.now(), outcome: "reset" });
      }
      request.socket.destroy();
      return;
    }
    if (fault?.kind === "error") {
      if (operation === "PutLifecycleEventHookExecutionStatus") {
        reports.push({ status: String(input.status), at: Date.now(), outcome: "error" });
      }
      if (query === undefined) jsonError(response, fault.status, fault.type);
      else xmlError(response, fault.status, fault.type);
      return;
    }
    const lose = fault?.kind === "lose";
    const answer = (status: number, payload: string, type: string, errorType?: string): void => {
      if (lose) {
        request.socket.destroy();
        return;
      }
      response.writeHead(status, {
        "content-type": type,
        ...(errorType === undefined ? {} : { "x-amzn-errortype": errorType }),
      });
      response.end(payload);
    };
    const json = (payload: unknown): void =>
      answer(200, JSON.stringify(payload), "application/x-amz-json-1.1");
    const xml = (inner: string): void =>
      answer(
        200,
        `<${operation}Response xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">` +
          `<${operation}Result>${inner}</${operation}Result>` +
          `<ResponseMetadata><RequestId>req-${call}</RequestId></ResponseMetadata>` +
          `</${operation}Response>`,
        "text/xml",
      );

    switch (operation) {
      case "GetDeployment": {
        const { deploymentInfo } = deploymentOutput();
        json({
          deploymentInfo: {
            ...deploymentInfo,
            applicationName: options.applicationName ?? APPLICATION,
            createTime: deploymentInfo.createTime.getTime() / 1000,
          },
        });
        return;
      }
      case "GetDeploymentGroup":
        json(deploymentGroupOutput());
        return;
      case "PutLifecycleEventHookExecutionStatus": {
        const status = String(input.status);
        if (holds !== undefined) {
          reports.push({ status, at: Date.now(), outcome: "refused" });
          answer(
            400,
            JSON.stringify({
              __type: "LifecycleEventAlreadyCompletedException",
              message: "The lifecycle event is already completed",
            }),
            "application/x-amz-json-1.1",
            "LifecycleEventAlreadyCompletedException",
          );
          return;
        }
        holds = status;
        reports.push({ status, at: Date.now(), outcome: lose ? "lose" : "accepted" });
        json({ lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId });
        return;
      }
      case "ListDeploymentTargets":
        json({ targetIds: ["shop:checkout"] });
        return;
      case "BatchGetDeploymentTargets":
        json({
          deploymentTargets: [
            {
              deploymentTargetType: "ECSTarget",
              ecsTarget: {
                deploymentId: input.deploymentId,
                targetId: "shop:checkout",
                status: "InProgress",
                lifecycleEvents: [
                  { lifecycleEventName: "BeforeInstall", status: "Succeeded" },
                  { lifecycleEventName: "AfterAllowTraffic", status: holds ?? "InProgress" },
                ],
              },
            },
          ],
        });
        return;
      case "DescribeTaskDefinition":
        json({
          taskDefinition: {
            taskDefinitionArn: TASK_DEFINITION_ARN,
            containerDefinitions: [
              { name: "app", image: IMAGE_URI, environment: buildEnvironment() },
            ],
          },
        });
        return;
      case "DescribeListeners":
        xml(
          `<Listeners><member><ListenerArn>${LISTENER_ARN}</ListenerArn>` +
            `<LoadBalancerArn>${LOAD_BALANCER_ARN}</LoadBalancerArn>` +
            `<Port>${options.versionPort}</Port><Protocol>HTTP</Protocol>` +
            "<DefaultActions><member><Type>forward</Type><ForwardConfig><TargetGroups>" +
            `<member><TargetGroupArn>${BLUE_TG}</TargetGroupArn><Weight>0</Weight></member>` +
            `<member><TargetGroupArn>${GREEN_TG}</TargetGroupArn><Weight>100</Weight></member>` +
            "</TargetGroups></ForwardConfig></member></DefaultActions></member></Listeners>",
        );
        return;
      case "DescribeLoadBalancers":
        xml(
          `<LoadBalancers><member><LoadBalancerArn>${LOAD_BALANCER_ARN}</LoadBalancerArn>` +
            "<DNSName>127.0.0.1</DNSName></member></LoadBalancers>",
        );
        return;
      case "DescribeTargetHealth":
        xml(
          "<TargetHealthDescriptions>" +
            "<member><Target><Id>10.0.1.10</Id><Port>8080</Port></Target>" +
            "<TargetHealth><State>healthy</State></TargetHealth></member>" +
            "</TargetHealthDescriptions>",
        );
        return;
      case "GetSecretValue":
        json({ ARN: input.SecretId, Name: "slack", SecretString: options.webhookUrl });
        return;
      case "PutParameter":
        parameters.push({ name: String(input.Name), value: String(input.Value) });
        json({ Version: parameters.length, Tier: "Standard" });
        return;
    }
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => handle(request, response, Buffer.concat(chunks).toString("utf8")));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reports,
    holds: () => holds,
    calls: (operation) => counts.get(operation) ?? 0,
    parameters,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function jsonError(response: ServerResponse, status: number, type: string): void {
  response.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-errortype": type,
  });
  response.end(JSON.stringify({ __type: type, message: `scripted ${type}` }));
}

function xmlError(response: ServerResponse, status: number, type: string): void {
  response.writeHead(status, { "content-type": "text/xml" });
  response.end(
    `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type>` +
      `<Code>${type}</Code><Message>scripted ${type}</Message></Error>` +
      "<RequestId>req-error</RequestId></ErrorResponse>",
  );
}

/** Faults for the first `ms` milliseconds after an operation's first call. */
export function outageFor(ms: number, fault: Fault): FaultScript {
  return (_call, since) => (since < ms ? fault : undefined);
}

/** Faults for the first `n` calls. */
export function firstCalls(n: number, fault: Fault): FaultScript {
  return (call) => (call <= n ? fault : undefined);
}

/** Faults on every call. */
export function always(fault: Fault): FaultScript {
  return () => fault;
}

export const UNAVAILABLE: Fault = {
  kind: "error",
  status: 503,
  type: "ServiceUnavailableException",
};
export const THROTTLED: Fault = { kind: "error", status: 400, type: "ThrottlingException" };
export const HANG: Fault = { kind: "hang" };
export const RESET: Fault = { kind: "reset" };
export const LOSE: Fault = { kind: "lose" };

export { APPLICATION, DEPLOYMENT_GROUP };

/**
 * The environment of a bundled hook run against the fake: the SDK pointed at it with test
 * credentials, the dev environment, the Slack secret, two answers in a row, plus `settings`.
 */
export function fakeAwsHookEnv(
  aws: Pick<FakeAws, "url">,
  settings: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "not-a-secret",
    [HookEnv.environment]: "dev",
    [HookEnv.slackSecretArn]: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack",
    [HookEnv.probeConsecutive]: "2",
    ...settings,
  };
}
