/**
 * Blue/green integrity: what CodeDeploy needs to shift traffic safely, and what keeps `pulumi up`
 * from fighting the deployments (DESIGN.md, "Pulumi owns the shape, the pipeline owns the live
 * state").
 */
import * as aws from "@pulumi/aws";
import {
  validateResourceOfType,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { describe, StackView, type StackResource } from "../lib/stack";
import { TYPES } from "../lib/types";
import {
  at,
  identifiers,
  isUnknown,
  list,
  num,
  record,
  refersTo,
  resolveProps,
  sameValue,
  strings,
  text,
  type Props,
} from "../lib/values";

/** The events on which a blue/green deployment must roll back on its own. */
export const REQUIRED_ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] as const;

/** What a CODE_DEPLOY service must leave to CodeDeploy (`ignoreChanges`). */
export const SERVICE_FIELDS_OWNED_BY_CODEDEPLOY = ["taskDefinition", "loadBalancers"] as const;

/** The target group settings both halves of a blue/green pair must share. */
export const TARGET_GROUP_PAIR_FIELDS = ["port", "protocol", "targetType", "healthCheck"] as const;

/** The ECS services of the stack a deployment group deploys (matched by service and cluster name). */
function servicesOf(view: StackView, group: StackResource): StackResource[] {
  const serviceName = at(group.props, "ecsService", "serviceName");
  const clusterName = text(at(group.props, "ecsService", "clusterName"));
  return view.ofType(TYPES.ecsService).filter((service) => {
    if (refersTo(serviceName, identifiers(service.props.name)) !== true) return false;
    const cluster = text(service.props.cluster);
    // `cluster` is the cluster's ARN (or name); the group names the cluster.
    return (
      clusterName === undefined ||
      cluster === undefined ||
      cluster === clusterName ||
      cluster.endsWith(`/${clusterName}`)
    );
  });
}

/** A deployment group's production and test listener ARNs (as written, possibly unknown). */
function routes(group: StackResource): { prod: unknown[]; test: unknown[] } {
  const pair = at(group.props, "loadBalancerInfo", "targetGroupPairInfo");
  return {
    prod: [...(list(at(pair, "prodTrafficRoute", "listenerArns")) ?? [])],
    test: [...(list(at(pair, "testTrafficRoute", "listenerArns")) ?? [])],
  };
}

function listenerIds(listener: StackResource): unknown[] {
  return identifiers(listener.props.arn, listener.props.id);
}

/**
 * An ECS service that a CodeDeploy deployment group deploys must run under the CODE_DEPLOY
 * deployment controller.
 */
export const serviceUsesCodeDeployController: StackValidationPolicy = {
  name: "greenlight-service-codedeploy-controller",
  description:
    "An ECS service that a CodeDeploy deployment group deploys must use the CODE_DEPLOY " +
    "deployment controller: under the default ECS controller CodeDeploy cannot create the " +
    "green task set, and every blue/green deployment fails.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    for (const group of view.ofType(TYPES.deploymentGroup)) {
      for (const service of servicesOf(view, group)) {
        const type = at(service.props, "deploymentController", "type");
        if (isUnknown(type) || type === "CODE_DEPLOY") continue;
        reportViolation(
          `${describe(service)} (service name "${String(service.props.name)}") is deployed by ` +
            `${describe(group)} but its deploymentController.type is ${JSON.stringify(type ?? "ECS")}. ` +
            `Set deploymentController: { type: "CODE_DEPLOY" } on the service; the controller ` +
            `is fixed at creation, so Pulumi replaces the service.`,
          service.urn,
        );
      }
    }
  },
};

/**
 * Every deployment group rolls back on failure and on alarm, with its alarms switched on.
 */
export const rollbackOnAlarm: ResourceValidationPolicy = {
  name: "greenlight-codedeploy-rollback-on-alarm",
  description:
    "Every CodeDeploy deployment group must roll back automatically on DEPLOYMENT_FAILURE and " +
    "DEPLOYMENT_STOP_ON_ALARM and watch at least one enabled alarm: a bad release must undo " +
    "itself without a person at the console.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    aws.codedeploy.DeploymentGroup,
    (_group, args, reportViolation) => {
      const props = resolveProps(args.props);
      const who = describe(args);
      const rollback = at(props, "autoRollbackConfiguration");
      const enabled = at(rollback, "enabled");
      if (!isUnknown(enabled) && enabled !== true) {
        reportViolation(
          `${who}: autoRollbackConfiguration.enabled is ${JSON.stringify(enabled ?? null)}. ` +
            `Set autoRollbackConfiguration: { enabled: true, events: ${JSON.stringify(REQUIRED_ROLLBACK_EVENTS)} }.`,
        );
      }
      const events = strings(at(rollback, "events"));
      const missing = REQUIRED_ROLLBACK_EVENTS.filter((e) => !events.known.includes(e));
      if (!events.someUnknown && missing.length > 0) {
        reportViolation(
          `${who}: autoRollbackConfiguration.events lacks ${missing.join(" and ")}. ` +
            `Roll back on both ${REQUIRED_ROLLBACK_EVENTS.join(" and ")}.`,
        );
      }
      const alarmsEnabled = at(props, "alarmConfiguration", "enabled");
      if (!isUnknown(alarmsEnabled) && alarmsEnabled !== true) {
        reportViolation(
          `${who}: alarmConfiguration.enabled is ${JSON.stringify(alarmsEnabled ?? null)}. ` +
            `Set alarmConfiguration: { enabled: true, alarms: [...] } with the service's ` +
            `5xx and unhealthy-target alarms, or alarms never stop a deployment.`,
        );
      }
      const alarms = at(props, "alarmConfiguration", "alarms");
      if (!isUnknown(alarms) && (list(alarms) ?? []).length === 0) {
        reportViolation(
          `${who}: alarmConfiguration.alarms is empty. Name at least one CloudWatch alarm ` +
            `(target 5xx, unhealthy targets) so a failing release stops and rolls back.`,
        );
      }
    },
  ),
};

/**
 * Every deployment group is a blue/green deployment with traffic control over two target groups
 * and a production listener.
 */
export const blueGreenTrafficControl: ResourceValidationPolicy = {
  name: "greenlight-codedeploy-blue-green",
  description:
    "Every CodeDeploy deployment group must be BLUE_GREEN WITH_TRAFFIC_CONTROL over exactly two " +
    "distinct target groups and a production listener: that is what lets CodeDeploy test the new " +
    "task set before any user reaches it and switch back in seconds.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    aws.codedeploy.DeploymentGroup,
    (_group, args, reportViolation) => {
      const props = resolveProps(args.props);
      const who = describe(args);
      const type = at(props, "deploymentStyle", "deploymentType");
      const option = at(props, "deploymentStyle", "deploymentOption");
      if (
        (!isUnknown(type) && type !== "BLUE_GREEN") ||
        (!isUnknown(option) && option !== "WITH_TRAFFIC_CONTROL")
      ) {
        reportViolation(
          `${who}: deploymentStyle is ${JSON.stringify({ deploymentType: type ?? null, deploymentOption: option ?? null })}. ` +
            `Set deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" }.`,
        );
      }
      const pair = at(props, "loadBalancerInfo", "targetGroupPairInfo");
      if (isUnknown(pair)) return;
      if (pair === undefined) {
        reportViolation(
          `${who}: loadBalancerInfo.targetGroupPairInfo is missing. Give it the blue and green ` +
            `target groups and the production (and test) listener.`,
        );
        return;
      }
      const targetGroups = at(pair, "targetGroups");
      if (!isUnknown(targetGroups)) {
        const names = (list(targetGroups) ?? []).map((tg) => at(tg, "name"));
        const known = names.filter((n): n is string => typeof n === "string");
        if (names.length !== 2) {
          reportViolation(
            `${who}: targetGroupPairInfo.targetGroups has ${names.length} entries. ` +
              `Give exactly two: the blue and the green target group.`,
          );
        } else if (known.length === 2 && known[0] === known[1]) {
          reportViolation(
            `${who}: both targetGroupPairInfo.targetGroups entries name "${known[0]}". ` +
              `Name two different target groups, blue and green.`,
          );
        }
      }
      const prod = at(pair, "prodTrafficRoute", "listenerArns");
      if (!isUnknown(prod) && (list(prod) ?? []).length === 0) {
        reportViolation(
          `${who}: targetGroupPairInfo.prodTrafficRoute.listenerArns is empty. ` +
            `Name the service's production listener.`,
        );
      }
    },
  ),
};

/**
 * Both target groups of a deployment group answer on the same port and protocol and are health
 * checked the same way.
 */
export const targetGroupPairMatches: StackValidationPolicy = {
  name: "greenlight-target-group-pair-matches",
  description:
    "The blue and the green target group of a deployment group must share port, protocol, " +
    "target type and health check: CodeDeploy moves traffic from one to the other, and a " +
    "release must not pass or fail because of which colour it landed on.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    const targetGroups = view.ofType(TYPES.targetGroup);
    for (const group of view.ofType(TYPES.deploymentGroup)) {
      const names = list(
        at(group.props, "loadBalancerInfo", "targetGroupPairInfo", "targetGroups"),
      );
      if (names === undefined || names.length !== 2) continue;
      const pair = names.map((entry) =>
        targetGroups.filter(
          (tg) => refersTo(at(entry, "name"), identifiers(tg.props.name)) === true,
        ),
      );
      // Only pairs the stack defines (one target group per name) can be compared.
      if (pair.some((found) => found.length !== 1)) continue;
      const [blue, green] = [pair[0][0], pair[1][0]];
      if (blue.urn === green.urn) continue;
      const different = TARGET_GROUP_PAIR_FIELDS.filter(
        (field) => sameValue(normalise(blue.props, field), normalise(green.props, field)) === false,
      );
      if (different.length > 0) {
        reportViolation(
          `${describe(group)} shifts traffic between ${describe(blue)} and ${describe(green)}, ` +
            `which differ in ${different.join(", ")}. Create both from the same settings ` +
            `(only the name and tags may differ).`,
          group.urn,
        );
      }
    }
  },
};

/** A target group field for comparison: ports as numbers, an absent health check as `{}`. */
function normalise(props: Props, field: (typeof TARGET_GROUP_PAIR_FIELDS)[number]): unknown {
  const value = props[field];
  if (field === "port") return num(value) ?? value;
  if (field === "healthCheck") return record(value) ?? (isUnknown(value) ? value : {});
  return value;
}

/**
 * One listener has one owner and one role: the production listener of one deployment group is
 * never the test listener of another (or of itself), nor another group's production listener.
 */
export const listenerHasOneOwner: StackValidationPolicy = {
  name: "greenlight-listener-one-owner",
  description:
    "A listener is the production route of at most one deployment group and never also a test " +
    "route: CodeDeploy rewrites a listener's default action during a deployment, so a shared " +
    "listener sends real users to another service's untested task set.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    const uses = new Map<string, { group: StackResource; role: "prod" | "test" }[]>();
    for (const group of view.ofType(TYPES.deploymentGroup)) {
      const { prod, test } = routes(group);
      const add = (arn: unknown, role: "prod" | "test") => {
        if (typeof arn !== "string") return;
        const entries = uses.get(arn) ?? [];
        if (!entries.some((e) => e.group.urn === group.urn && e.role === role)) {
          entries.push({ group, role });
        }
        uses.set(arn, entries);
      };
      prod.forEach((arn) => add(arn, "prod"));
      test.forEach((arn) => add(arn, "test"));
    }
    for (const [arn, entries] of uses) {
      const listener = view
        .ofType(TYPES.listener)
        .find((l) => refersTo(arn, listenerIds(l)) === true);
      const what = listener ? describe(listener) : `listener ${arn}`;
      const prodOwners = entries.filter((e) => e.role === "prod");
      const testOwners = entries.filter((e) => e.role === "test");
      for (const p of prodOwners) {
        for (const t of testOwners) {
          const whose =
            t.group.urn === p.group.urn
              ? "its own test route"
              : `the test route of ${describe(t.group)}`;
          reportViolation(
            `${what} is the production route of ${describe(p.group)} and also ${whose}. ` +
              `Give every deployment group its own production and test listeners (own ports).`,
            p.group.urn,
          );
        }
      }
      for (const role of ["prod", "test"] as const) {
        const owners = role === "prod" ? prodOwners : testOwners;
        if (owners.length > 1) {
          reportViolation(
            `${what} is the ${role === "prod" ? "production" : "test"} route of ` +
              `${owners.map((o) => describe(o.group)).join(" and ")}. Each deployment group ` +
              `needs listeners of its own: CodeDeploy switches a listener's default action.`,
            owners[1].group.urn,
          );
        }
      }
    }
  },
};

/**
 * `pulumi up` never puts back what CodeDeploy changed: CODE_DEPLOY services ignore their task
 * definition and load balancers (and their desired count under autoscaling), and the listeners a
 * deployment group switches ignore their default actions.
 */
export const codeDeployOwnedFieldsIgnored: StackValidationPolicy = {
  name: "greenlight-codedeploy-owned-fields-ignored",
  description:
    "Fields CodeDeploy changes at every deployment must be in ignoreChanges: a CODE_DEPLOY " +
    "service's taskDefinition and loadBalancers (desiredCount under autoscaling), a switched " +
    "listener's defaultActions. Otherwise the next `pulumi up` reverts the live release.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    const scaled = view
      .ofType(TYPES.appAutoscalingTarget)
      .filter((t) => t.props.scalableDimension === "ecs:service:DesiredCount");
    for (const service of view.ofType(TYPES.ecsService)) {
      if (at(service.props, "deploymentController", "type") !== "CODE_DEPLOY") continue;
      const required: string[] = [...SERVICE_FIELDS_OWNED_BY_CODEDEPLOY];
      const name = text(service.props.name);
      if (
        name !== undefined &&
        scaled.some((t) => {
          const id = text(t.props.resourceId);
          return id !== undefined && id.startsWith("service/") && id.endsWith(`/${name}`);
        })
      ) {
        required.push("desiredCount");
      }
      const missing = required.filter((f) => !service.ignoreChanges.includes(f));
      if (missing.length > 0) {
        reportViolation(
          `${describe(service)} runs under CODE_DEPLOY but does not ignore ${missing.join(", ")}. ` +
            `Add ignoreChanges: ${JSON.stringify(required)} to its resource options: CodeDeploy ` +
            `owns them after the first deployment.`,
          service.urn,
        );
      }
    }
    const groups = view.ofType(TYPES.deploymentGroup);
    for (const listener of view.ofType(TYPES.listener)) {
      const role = at(listener.props, "tags", "role");
      const switched =
        role === "prod" ||
        role === "test" ||
        groups.some((g) => {
          const { prod, test } = routes(g);
          return [...prod, ...test].some((arn) => refersTo(arn, listenerIds(listener)) === true);
        });
      // A default action that answers itself (the ecs engine's shared 404) has nothing to switch.
      const fixed = (list(listener.props.defaultActions) ?? []).every(
        (a) => at(a, "type") === "fixed-response",
      );
      if (!switched || fixed || listener.ignoreChanges.includes("defaultActions")) continue;
      reportViolation(
        `${describe(listener)} is switched by CodeDeploy but does not ignore defaultActions. ` +
          `Add ignoreChanges: ["defaultActions"] to its resource options, or the next ` +
          `\`pulumi up\` points it back at the old target group.`,
        listener.urn,
      );
    }
  },
};

/** The strategies under which an ECS-controller service deploys blue/green. */
export const ECS_BLUE_GREEN_STRATEGIES = ["BLUE_GREEN", "LINEAR", "CANARY"] as const;

/** What an ECS-controller blue/green service must leave to Amazon ECS (`ignoreChanges`). */
export const SERVICE_FIELDS_OWNED_BY_ECS = ["taskDefinition", "loadBalancers"] as const;

/** The stage at which the live check must run on the ecs engine. */
export const ECS_LIVE_CHECK_STAGE = "POST_PRODUCTION_TRAFFIC_SHIFT";

/** Whether an ECS service's desired count is owned by Application Auto Scaling. */
function autoscaled(view: StackView, service: StackResource): boolean {
  const name = text(service.props.name);
  return (
    name !== undefined &&
    view
      .ofType(TYPES.appAutoscalingTarget)
      .filter((t) => t.props.scalableDimension === "ecs:service:DesiredCount")
      .some((t) => {
        const id = text(t.props.resourceId);
        return id !== undefined && id.startsWith("service/") && id.endsWith(`/${name}`);
      })
  );
}

/**
 * A service under the ECS controller (Greenlight's ecs engine) deploys blue/green: a
 * BLUE_GREEN, LINEAR or CANARY strategy; a load balancer with an advanced configuration (the
 * alternate target group, the production and test rules, the infrastructure role); the live
 * check as a lifecycle hook at POST_PRODUCTION_TRAFFIC_SHIFT with a role; deployment alarms with
 * rollback; what Amazon ECS owns in ignoreChanges; and both target groups on each of its rules,
 * whose actions Amazon ECS rewrites (ignored too).
 */
export const ecsBlueGreenIntegrity: StackValidationPolicy = {
  name: "greenlight-ecs-blue-green",
  description:
    "An ECS-controller service must deploy blue/green (BLUE_GREEN, LINEAR or CANARY) with an " +
    "advanced load balancer configuration, the live hook at POST_PRODUCTION_TRAFFIC_SHIFT, alarms " +
    "that roll back, and ignoreChanges for what Amazon ECS owns (taskDefinition, loadBalancers, " +
    "desiredCount under autoscaling, its rules' actions); both target groups must be on its rules.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    const rules = view.ofType(TYPES.listenerRule);
    // A service a deployment group deploys belongs under CODE_DEPLOY: that policy says so.
    const deployedByCodeDeploy = new Set(
      view.ofType(TYPES.deploymentGroup).flatMap((g) => servicesOf(view, g).map((s) => s.urn)),
    );
    for (const service of view.ofType(TYPES.ecsService)) {
      if (deployedByCodeDeploy.has(service.urn)) continue;
      const controller = at(service.props, "deploymentController", "type");
      // Explicitly ECS: a service left on the default controller is not Greenlight's blue/green.
      if (controller !== "ECS") continue;
      const who = `${describe(service)} (ECS controller)`;
      const problems: string[] = [];
      const config = at(service.props, "deploymentConfiguration");
      const strategy = at(config, "strategy");
      if (
        !isUnknown(strategy) &&
        !(ECS_BLUE_GREEN_STRATEGIES as readonly unknown[]).includes(strategy)
      ) {
        problems.push(
          `deploymentConfiguration.strategy is ${JSON.stringify(strategy ?? "ROLLING")}; set BLUE_GREEN, LINEAR or CANARY`,
        );
      }
      const hooks = list(at(config, "lifecycleHooks")) ?? [];
      const live = hooks.filter((h) => {
        const stages = strings(at(h, "lifecycleStages"));
        return stages.someUnknown || stages.known.includes(ECS_LIVE_CHECK_STAGE);
      });
      if (!isUnknown(at(config, "lifecycleHooks")) && live.length === 0) {
        problems.push(`no lifecycle hook runs at ${ECS_LIVE_CHECK_STAGE}; add the live hook there`);
      }
      for (const hook of live) {
        if (at(hook, "hookTargetArn") === undefined || at(hook, "roleArn") === undefined) {
          problems.push("its live hook lacks hookTargetArn or roleArn; set both");
        }
      }
      const alarms = at(service.props, "alarms");
      if (
        !isUnknown(alarms) &&
        (at(alarms, "enable") !== true || at(alarms, "rollback") !== true)
      ) {
        problems.push(
          "alarms are not enabled with rollback; set alarms: { alarmNames, enable: true, rollback: true }",
        );
      }
      const balancers = list(service.props.loadBalancers) ?? [];
      if (!isUnknown(service.props.loadBalancers) && balancers.length === 0) {
        problems.push(
          "it has no load balancer; attach its blue target group with an advancedConfiguration",
        );
      }
      for (const lb of balancers) {
        const advanced = at(lb, "advancedConfiguration");
        if (isUnknown(advanced)) continue;
        const missing = [
          "alternateTargetGroupArn",
          "productionListenerRule",
          "testListenerRule",
          "roleArn",
        ].filter((k) => at(advanced, k) === undefined);
        if (missing.length > 0) {
          problems.push(
            `loadBalancers[].advancedConfiguration lacks ${missing.join(", ")}; set them`,
          );
          continue;
        }
        const groups = [at(lb, "targetGroupArn"), at(advanced, "alternateTargetGroupArn")];
        for (const key of ["productionListenerRule", "testListenerRule"]) {
          const ruleArn = at(advanced, key);
          const rule = rules.find(
            (r) => refersTo(ruleArn, identifiers(r.props.arn, r.props.id)) === true,
          );
          if (rule === undefined) continue;
          const forwarded = (list(rule.props.actions) ?? []).flatMap(
            (a) => list(at(a, "forward", "targetGroups")) ?? [],
          );
          const onRule = groups.filter(
            (g) =>
              isUnknown(g) ||
              forwarded.some((tg) => isUnknown(at(tg, "arn")) || sameValue(at(tg, "arn"), g)),
          );
          if (onRule.length < 2) {
            problems.push(
              `its ${key} ${describe(rule)} does not forward to both target groups; forward to both (weights 100 and 0), or Amazon ECS rolls the deployment back`,
            );
          }
          if (!rule.ignoreChanges.includes("actions")) {
            problems.push(
              `its ${key} ${describe(rule)} does not ignore actions; add ignoreChanges: ["actions"]`,
            );
          }
        }
      }
      const required: string[] = [...SERVICE_FIELDS_OWNED_BY_ECS];
      if (autoscaled(view, service)) required.push("desiredCount");
      const notIgnored = required.filter((f) => !service.ignoreChanges.includes(f));
      if (notIgnored.length > 0) {
        problems.push(
          `it does not ignore ${notIgnored.join(", ")}; add ignoreChanges: ${JSON.stringify(required)} (Amazon ECS owns them after the first deployment)`,
        );
      }
      for (const problem of problems) reportViolation(`${who}: ${problem}.`, service.urn);
    }
  },
};

/** The blue/green integrity policies. */
export const blueGreenPolicies = [
  ecsBlueGreenIntegrity,
  serviceUsesCodeDeployController,
  rollbackOnAlarm,
  blueGreenTrafficControl,
  targetGroupPairMatches,
  listenerHasOneOwner,
  codeDeployOwnedFieldsIgnored,
] as const;
