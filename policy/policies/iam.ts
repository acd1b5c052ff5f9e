/**
 * Least privilege: no wildcard actions, resource `"*"` only for the actions AWS offers no
 * resource-level permissions for (one list, shared with the program), no administrator policies.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { WILDCARD_RESOURCE_ACTIONS } from "../../components/iam";
import { describe } from "../lib/stack";
import { TYPES } from "../lib/types";
import { at, isUnknown, list, record, resolveProps, type Props } from "../lib/values";

/** Resource types whose `policy` property is an identity policy document. */
export const POLICY_DOCUMENT_TYPES: readonly string[] = [
  TYPES.rolePolicy,
  TYPES.policy,
  TYPES.userPolicy,
  TYPES.groupPolicy,
];

/** Resource types that attach managed policies (`policyArn`, `policyArns`, `managedPolicyArns`). */
export const ATTACHMENT_TYPES: readonly string[] = [
  TYPES.rolePolicyAttachment,
  TYPES.rolePolicyAttachmentsExclusive,
  TYPES.policyAttachment,
  TYPES.userPolicyAttachment,
  TYPES.groupPolicyAttachment,
  "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
  "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
  TYPES.role,
];

/** AWS managed policies that grant (or let one grant oneself) nearly everything. */
export const FORBIDDEN_MANAGED_POLICIES = [
  "AdministratorAccess",
  "PowerUserAccess",
  "IAMFullAccess",
] as const;

const ALLOWED_ON_ANY_RESOURCE = new Set([...WILDCARD_RESOURCE_ACTIONS].map((a) => a.toLowerCase()));

/** One problem in a policy document. */
export interface PolicyFinding {
  /** Which statement: its Sid, else its index. */
  readonly statement: string;
  readonly message: string;
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The least-privilege problems of one identity policy document (parsed JSON): Allow statements
 * with `"*"` or `service:*` actions or `NotAction`, and resource `"*"` (or `NotResource`) for
 * actions outside `WILDCARD_RESOURCE_ACTIONS`. Deny statements are always fine.
 */
export function checkPolicyDocument(document: unknown): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  const statements = asList(at(document, "Statement"));
  statements.forEach((raw, i) => {
    const statement = record(raw);
    if (statement === undefined) return;
    const id = typeof statement.Sid === "string" && statement.Sid !== "" ? statement.Sid : `#${i}`;
    if (statement.Effect !== "Allow") return;
    const add = (message: string) => findings.push({ statement: id, message });
    if (statement.NotAction !== undefined) {
      add(`allows NotAction, which grants every other action. List the actions it needs.`);
    }
    const actions = asList(statement.Action).filter((a): a is string => typeof a === "string");
    const wildcards = actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
    if (wildcards.length > 0) {
      add(
        `allows ${wildcards.map((a) => JSON.stringify(a)).join(", ")}. List the actions it ` +
          `needs by name (e.g. "ecr:PutImage").`,
      );
    }
    const resources = asList(statement.Resource);
    const anyResource = resources.includes("*") || statement.NotResource !== undefined;
    if (anyResource) {
      const beyond = actions.filter(
        (a) => !wildcards.includes(a) && !ALLOWED_ON_ANY_RESOURCE.has(a.toLowerCase()),
      );
      if (beyond.length > 0) {
        add(
          `allows ${beyond.join(", ")} on resource "*"${statement.NotResource !== undefined ? " (NotResource)" : ""}. ` +
            `Name the resources' ARNs; "*" is only for actions without resource-level ` +
            `permissions, listed in WILDCARD_RESOURCE_ACTIONS (components/iam.ts).`,
        );
      }
    }
  });
  return findings;
}

/** A policy property as a document: parsed JSON, an object, `UNKNOWN`, or an error message. */
function documentOf(value: unknown): { document?: unknown; error?: string } {
  if (isUnknown(value) || value === undefined) return {};
  if (typeof value === "string") {
    try {
      return { document: JSON.parse(value) as unknown };
    } catch {
      return { error: "is not valid JSON" };
    }
  }
  return record(value) ? { document: value } : { error: "is neither JSON nor an object" };
}

/** The documents a resource carries: `policy`, and a role's `inlinePolicies[].policy`. */
function documentsOf(type: string, props: Props): { where: string; value: unknown }[] {
  if (POLICY_DOCUMENT_TYPES.includes(type)) return [{ where: "policy", value: props.policy }];
  if (type === TYPES.role) {
    return (list(props.inlinePolicies) ?? []).map((p, i) => ({
      where: `inlinePolicies[${i}].policy`,
      value: at(p, "policy"),
    }));
  }
  return [];
}

/**
 * IAM policies grant named actions, and resource `"*"` only where AWS leaves no choice.
 */
export const iamLeastPrivilege: ResourceValidationPolicy = {
  name: "greenlight-iam-least-privilege",
  description:
    'IAM policies may not Allow "*" or "service:*" actions (or NotAction), and may use ' +
    'resource "*" only for actions without resource-level permissions (WILDCARD_RESOURCE_ACTIONS ' +
    "in components/iam.ts): a leaked pipeline or task credential must reach one service's " +
    "resources, not the account.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const props = resolveProps(args.props);
    for (const { where, value } of documentsOf(args.type, props)) {
      const { document, error } = documentOf(value);
      if (error !== undefined) {
        reportViolation(`${describe(args)}: ${where} ${error}, so it cannot be checked. Fix it.`);
        continue;
      }
      if (document === undefined) continue;
      for (const finding of checkPolicyDocument(document)) {
        reportViolation(
          `${describe(args)}: ${where} statement ${finding.statement} ${finding.message}`,
        );
      }
    }
  },
};

/** Whether an ARN names one of the forbidden AWS managed policies. */
export function forbiddenManagedPolicy(arn: unknown): string | undefined {
  if (typeof arn !== "string") return undefined;
  const match = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([A-Za-z]+)$/.exec(arn);
  return match && (FORBIDDEN_MANAGED_POLICIES as readonly string[]).includes(match[1])
    ? match[1]
    : undefined;
}

/**
 * Nothing attaches AdministratorAccess, PowerUserAccess or IAMFullAccess.
 */
export const iamNoAdminPolicies: ResourceValidationPolicy = {
  name: "greenlight-iam-no-admin-policies",
  description:
    "No role, user or group may have the AWS managed AdministratorAccess, PowerUserAccess or " +
    "IAMFullAccess policy attached: each grants (or lets its holder grant itself) nearly " +
    "everything in the account.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!ATTACHMENT_TYPES.includes(args.type)) return;
    const props = resolveProps(args.props);
    const arns = [
      props.policyArn,
      ...(list(props.policyArns) ?? []),
      ...(list(props.managedPolicyArns) ?? []),
    ];
    for (const arn of arns) {
      const name = forbiddenManagedPolicy(arn);
      if (name === undefined) continue;
      reportViolation(
        `${describe(args)} attaches the AWS managed policy ${name}. Attach a policy that ` +
          `names the actions and resources the principal needs instead.`,
      );
    }
  },
};

/** The IAM policies. */
export const iamPolicies = [iamLeastPrivilege, iamNoAdminPolicies] as const;
