import { strict as assert } from "assert";
import {
  at,
  containsUnknown,
  identifiers,
  isUnknownValueError,
  num,
  refersTo,
  resolve,
  resolveProps,
  sameValue,
  strings,
  UNKNOWN,
} from "../../policy/lib/values";
import { resourceArgs, UNKNOWN_STRING } from "./fakes";

describe("policy values: reading properties that preview may not know", () => {
  const previewProps = () =>
    resourceArgs({
      type: "aws:test/thing:Thing",
      name: "thing",
      props: {
        name: "known",
        arn: UNKNOWN_STRING,
        tags: { environment: "dev", owner: UNKNOWN_STRING },
        listenerArns: ["arn:known", UNKNOWN_STRING],
        nested: { list: UNKNOWN_STRING },
      },
    }).props;

  it("reading an unknown value through the policy server's proxy throws its UnknownValueError", () => {
    const props = previewProps();
    assert.throws(
      () => props.arn,
      (e: unknown) => isUnknownValueError(e),
    );
  });

  it("resolves known values and marks unknown ones, at any depth and in lists", () => {
    assert.deepEqual(resolveProps(previewProps()), {
      name: "known",
      arn: UNKNOWN,
      tags: { environment: "dev", owner: UNKNOWN },
      listenerArns: ["arn:known", UNKNOWN],
      nested: { list: UNKNOWN },
    });
  });

  it("does not take ordinary errors for unknown values", () => {
    assert.equal(isUnknownValueError(new Error("boom")), false);
    const throwing = new Proxy(
      {},
      {
        ownKeys: () => ["x"],
        getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
        get: () => {
          throw new TypeError("boom");
        },
      },
    );
    assert.throws(() => resolve(throwing), /boom/);
  });

  it("walks paths: UNKNOWN once a step is unknown, undefined when a step is missing", () => {
    const props = resolveProps(previewProps());
    assert.equal(at(props, "tags", "environment"), "dev");
    assert.equal(at(props, "nested", "list", 0), UNKNOWN);
    assert.equal(at(props, "missing", "deeper"), undefined);
    assert.equal(at(props, "listenerArns", 1), UNKNOWN);
    assert.equal(at(props, "listenerArns", "0"), undefined, "a key is not an index");
  });

  it("tells a reference that matches from one that does not and one that cannot be known", () => {
    assert.equal(refersTo("a-id", identifiers("a-id", "a")), true);
    assert.equal(refersTo("b-id", identifiers("a-id", "a")), false);
    assert.equal(refersTo(UNKNOWN, identifiers("a-id")), undefined);
    assert.equal(refersTo("a-id", identifiers(UNKNOWN)), undefined);
    assert.equal(refersTo("a-id", identifiers(undefined)), undefined, "no identifier: open");
    assert.equal(refersTo(undefined, identifiers("a-id")), false);
  });

  it("compares deeply, leaving unknown differences open", () => {
    assert.equal(sameValue({ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] }), true);
    assert.equal(sameValue({ a: 1 }, { a: 2 }), false);
    assert.equal(sameValue({ a: 1, b: UNKNOWN }, { a: 1, b: "x" }), undefined);
    assert.equal(sameValue({ a: 1, b: UNKNOWN }, { a: 2, b: "x" }), false, "a known difference");
    assert.equal(sameValue([1], [1, 2]), false);
    assert.equal(sameValue({}, { a: undefined }), true);
  });

  it("reads numbers, string lists and unknown-anywhere", () => {
    assert.equal(num("8080"), 8080);
    assert.equal(num(""), undefined);
    assert.equal(num("traffic-port"), undefined);
    assert.deepEqual(strings(["a", UNKNOWN, 3]), { known: ["a"], someUnknown: true });
    assert.deepEqual(strings(UNKNOWN), { known: [], someUnknown: true });
    assert.equal(containsUnknown({ a: [{ b: UNKNOWN }] }), true);
    assert.equal(containsUnknown({ a: [{ b: "x" }] }), false);
  });
});
