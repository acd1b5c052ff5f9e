import { strict as assert } from "assert";
import { WILDCARD_RESOURCE_ACTIONS } from "../../components/iam";
import { TYPES } from "../../policy/lib/types";
import {
  checkPolicyDocument,
  forbiddenManagedPolicy,
  iamLeastPrivilege,
  iamNoAdminPolicies,
} from "../../policy/policies/iam";
import { messages, UNKNOWN_STRING, validate, type FakeResource } from "./fakes";

const doc = (...Statement: Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement });

const rolePolicy = (policy: unknown, name = "web-build"): FakeResource => ({
  type: TYPES.rolePolicy,
  name,
  props: { role: "web-build-id", policy },
});

describe("IAM policies", () => {
  describe("greenlight-iam-least-privilege", () => {
    const check = (...resources: FakeResource[]) => validate([iamLeastPrivilege], resources);

    it("passes named actions on named resources, and the listed actions on resource *", async () => {
      const policy = doc(
        {
          Sid: "Push",
          Effect: "Allow",
          Action: ["ecr:PutImage"],
          Resource: "arn:aws:ecr:eu-west-1:1:repository/web",
        },
        { Sid: "Token", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      );
      assert.deepEqual(await check(rolePolicy(policy)), []);
    });

    it("accepts every action of WILDCARD_RESOURCE_ACTIONS (components/iam.ts) on resource *", () => {
      const all = [...WILDCARD_RESOURCE_ACTIONS];
      assert.ok(all.length > 0);
      assert.deepEqual(
        checkPolicyDocument({ Statement: [{ Effect: "Allow", Action: all, Resource: ["*"] }] }),
        [],
      );
    });

    it("fails * and service:* actions, naming the statement", async () => {
      const found = await check(
        rolePolicy(
          doc(
            { Sid: "Everything", Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" },
            { Effect: "Allow", Action: ["s3:*", "s3:GetObject"], Resource: "arn:aws:s3:::b/*" },
          ),
        ),
      );
      assert.deepEqual(messages(found), [
        'RolePolicy "web-build": policy statement Everything allows "*". List the actions it ' +
          'needs by name (e.g. "ecr:PutImage").',
        'RolePolicy "web-build": policy statement #1 allows "s3:*". List the actions it needs ' +
          'by name (e.g. "ecr:PutImage").',
      ]);
    });

    it("fails resource * for actions outside the list, and NotAction / NotResource", async () => {
      const found = messages(
        await check(
          rolePolicy(
            doc(
              {
                Sid: "Pass",
                Effect: "Allow",
                Action: ["iam:PassRole", "ecr:GetAuthorizationToken"],
                Resource: "*",
              },
              { Sid: "Not", Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" },
              {
                Sid: "NotRes",
                Effect: "Allow",
                Action: "s3:GetObject",
                NotResource: "arn:aws:s3:::b",
              },
            ),
          ),
        ),
      );
      assert.deepEqual(found, [
        'RolePolicy "web-build": policy statement Pass allows iam:PassRole on resource "*". ' +
          'Name the resources\' ARNs; "*" is only for actions without resource-level ' +
          "permissions, listed in WILDCARD_RESOURCE_ACTIONS (components/iam.ts).",
        'RolePolicy "web-build": policy statement Not allows NotAction, which grants every ' +
          "other action. List the actions it needs.",
        'RolePolicy "web-build": policy statement NotRes allows s3:GetObject on resource "*" ' +
          '(NotResource). Name the resources\' ARNs; "*" is only for actions without ' +
          "resource-level permissions, listed in WILDCARD_RESOURCE_ACTIONS (components/iam.ts).",
      ]);
    });

    it("accepts Deny statements with wildcards (the artifact bucket's TLS-only rule)", async () => {
      const policy = doc({
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
      assert.deepEqual(await check(rolePolicy(policy)), []);
    });

    it("checks managed policies and roles' inline policies too", async () => {
      const bad = doc({ Effect: "Allow", Action: "*", Resource: "*" });
      const found = await check(
        { type: TYPES.policy, name: "managed", props: { policy: bad } },
        { type: TYPES.role, name: "role", props: { inlinePolicies: [{ name: "x", policy: bad }] } },
      );
      assert.deepEqual(
        found.map((v) => v.message.split(" allows")[0]),
        [
          'Policy "managed": policy statement #0',
          'Role "role": inlinePolicies[0].policy statement #0',
        ],
      );
    });

    it("fails a policy that is not JSON, and waits for one that is not known yet (preview)", async () => {
      assert.deepEqual(messages(await check(rolePolicy("{not json"))), [
        'RolePolicy "web-build": policy is not valid JSON, so it cannot be checked. Fix it.',
      ]);
      assert.deepEqual(await check(rolePolicy(UNKNOWN_STRING)), []);
    });
  });

  describe("greenlight-iam-no-admin-policies", () => {
    const check = (...resources: FakeResource[]) => validate([iamNoAdminPolicies], resources);

    it("recognises the broad AWS managed policies in every partition, and only those", () => {
      assert.equal(
        forbiddenManagedPolicy("arn:aws:iam::aws:policy/AdministratorAccess"),
        "AdministratorAccess",
      );
      assert.equal(
        forbiddenManagedPolicy("arn:aws-us-gov:iam::aws:policy/PowerUserAccess"),
        "PowerUserAccess",
      );
      assert.equal(
        forbiddenManagedPolicy("arn:aws:iam::aws:policy/IAMFullAccess"),
        "IAMFullAccess",
      );
      assert.equal(
        forbiddenManagedPolicy("arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForECS"),
        undefined,
      );
      assert.equal(
        forbiddenManagedPolicy("arn:aws:iam::123456789012:policy/AdministratorAccess"),
        undefined,
      );
    });

    it("fails attachments, exclusive attachments and a role's managedPolicyArns", async () => {
      const found = messages(
        await check(
          {
            type: TYPES.rolePolicyAttachment,
            name: "admin",
            props: { role: "r", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
          },
          {
            type: TYPES.rolePolicyAttachmentsExclusive,
            name: "exclusive",
            props: { roleName: "r", policyArns: ["arn:aws:iam::aws:policy/PowerUserAccess"] },
          },
          {
            type: TYPES.role,
            name: "role",
            props: {
              managedPolicyArns: [
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "arn:aws:iam::aws:policy/IAMFullAccess",
              ],
            },
          },
        ),
      );
      assert.deepEqual(found, [
        'RolePolicyAttachment "admin" attaches the AWS managed policy AdministratorAccess. ' +
          "Attach a policy that names the actions and resources the principal needs instead.",
        'RolePolicyAttachmentsExclusive "exclusive" attaches the AWS managed policy PowerUserAccess. ' +
          "Attach a policy that names the actions and resources the principal needs instead.",
        'Role "role" attaches the AWS managed policy IAMFullAccess. Attach a policy that names ' +
          "the actions and resources the principal needs instead.",
      ]);
    });

    it("passes narrower managed policies and unknown ARNs", async () => {
      assert.deepEqual(
        await check(
          {
            type: TYPES.rolePolicyAttachment,
            name: "ecs",
            props: {
              policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            },
          },
          { type: TYPES.rolePolicyAttachment, name: "later", props: { policyArn: UNKNOWN_STRING } },
        ),
        [],
      );
    });
  });
});
