import { strict as assert } from "node:assert";
import { afterDelivery } from "../../hooks/core/once";

describe("hooks/core/once", () => {
  it("an accepted verdict owns the notice", () => {
    assert.deepEqual(afterDelivery("Succeeded", { kind: "accepted", attempts: 1 }), {
      notice: "verdict",
      holds: "Succeeded",
      reason: "the verdict was accepted",
    });
  });

  it("a refusal after a lost answer owns the notice when the platform holds what was sent", () => {
    const after = afterDelivery("Succeeded", {
      kind: "refused",
      recorded: "Succeeded",
      uncertain: true,
      attempts: 2,
    });
    assert.equal(after.notice, "verdict");
    assert.equal(after.holds, "Succeeded");
  });

  it("a refusal without a lost answer is a duplicate: nothing new", () => {
    const after = afterDelivery("Succeeded", {
      kind: "refused",
      recorded: "Succeeded",
      uncertain: false,
      attempts: 1,
    });
    assert.equal(after.notice, "none");
    assert.match(after.reason, /duplicate: the platform already holds Succeeded/);
  });

  it("never contradicts the platform: a refused Failed while it holds Succeeded posts nothing", () => {
    const after = afterDelivery<"Succeeded" | "Failed">("Failed", {
      kind: "refused",
      recorded: "Succeeded",
      uncertain: true,
      attempts: 3,
    });
    assert.deepEqual([after.notice, after.holds], ["none", "Succeeded"]);
  });

  it("an unreadable record after a refusal posts nothing", () => {
    const after = afterDelivery("Succeeded", { kind: "refused", uncertain: true, attempts: 2 });
    assert.equal(after.notice, "none");
    assert.equal(after.holds, undefined);
  });

  it("an undelivered verdict owes the could-not-be-told notice", () => {
    assert.deepEqual(
      afterDelivery("Failed", { kind: "undelivered", error: "HTTP 503", attempts: 9 }),
      { notice: "undelivered", reason: "HTTP 503" },
    );
  });
});
