import { strict as assert } from "assert";
import {
  partitionOf,
  secretResources,
  secretStatements,
  secretValueFrom,
} from "../components/secrets";

const SCOPE = { region: "eu-west-1", accountId: "123456789012" };
const BASE = "arn:aws:secretsmanager:eu-west-1:123456789012:secret";

/** Whether an IAM resource pattern (`*` any run, `?` one character) matches an ARN. */
function iamMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\/]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

describe("secret references", () => {
  it("names every secret by ARN in valueFrom, with a JSON key as <arn>:<key>::", () => {
    assert.equal(
      secretValueFrom({ kind: "secretsManager", secret: "prod/db" }, SCOPE),
      `${BASE}:prod/db`,
    );
    assert.equal(
      secretValueFrom({ kind: "secretsManager", secret: "prod/db", jsonKey: "password" }, SCOPE),
      `${BASE}:prod/db:password::`,
    );
    assert.equal(
      secretValueFrom(
        { kind: "secretsManager", secret: `${BASE}:prod/db-AbCdEf`, jsonKey: "user" },
        SCOPE,
      ),
      `${BASE}:prod/db-AbCdEf:user::`,
    );
    assert.equal(
      secretValueFrom({ kind: "ssm", parameter: "/prod/orders/flags" }, SCOPE),
      "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/orders/flags",
    );
    assert.equal(
      secretValueFrom({ kind: "ssm", parameter: "flags" }, SCOPE),
      "arn:aws:ssm:eu-west-1:123456789012:parameter/flags",
    );
    assert.equal(
      secretValueFrom(
        { kind: "ssm", parameter: "/x" },
        { region: "cn-north-1", accountId: "123456789012" },
      ),
      "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x",
    );
    assert.deepEqual(["eu-west-1", "cn-northwest-1", "us-gov-west-1"].map(partitionOf), [
      "aws",
      "aws-cn",
      "aws-us-gov",
    ]);
  });

  it("grants a secret by name as name-?????? — that secret, not its longer-named neighbours", () => {
    const [pattern] = secretResources("prod/db", SCOPE);
    assert.deepEqual(secretResources("prod/db", SCOPE), [`${BASE}:prod/db-??????`]);
    assert.ok(iamMatches(pattern, `${BASE}:prod/db-AbCdEf`));
    assert.ok(!iamMatches(pattern, `${BASE}:prod/db-admin-AbCdEf`));
    assert.ok(!iamMatches(pattern, `${BASE}:prod/dbx-AbCdEf`));
    assert.deepEqual(secretResources(`${BASE}:prod/db-AbCdEf`, SCOPE), [
      `${BASE}:prod/db-AbCdEf`,
      `${BASE}:prod/db-AbCdEf-??????`,
    ]);
    // A partial ARN (no random suffix) is granted like a name.
    assert.deepEqual(secretResources(`${BASE}:orders`, SCOPE), [`${BASE}:orders-??????`]);
  });

  it("lets the execution role read exactly the referenced secrets and parameters, and decrypt with the key", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    assert.deepEqual(
      secretStatements(
        [
          {
            name: "DB_USER",
            source: { kind: "secretsManager", secret: "prod/db", jsonKey: "user" },
          },
          {
            name: "DB_PASSWORD",
            source: { kind: "secretsManager", secret: "prod/db", jsonKey: "password" },
          },
          { name: "FLAGS", source: { kind: "ssm", parameter: "/prod/flags" } },
        ],
        SCOPE,
        key,
      ),
      [
        {
          Sid: "ReadSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [`${BASE}:prod/db-??????`],
        },
        {
          Sid: "ReadParameters",
          Effect: "Allow",
          Action: ["ssm:GetParameters"],
          Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/prod/flags"],
        },
        { Sid: "DecryptSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [key] },
      ],
    );
    assert.deepEqual(secretStatements([], SCOPE, key), []);
  });
});
