import { strict as assert } from "node:assert";
import { readBodyCapped } from "../../hooks/core/http";
import { response } from "./helpers/fake-fetch";

function streamed(
  chunks: number,
  chunkBytes: number,
): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= chunks) {
        controller.close();
        return;
      }
      pulled += 1;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, pulled: () => pulled, cancelled: () => cancelled };
}

describe("hooks/core/http readBodyCapped", () => {
  it("reads a short body whole", async () => {
    const source = streamed(2, 10);
    const body = await readBodyCapped({ ...response(200, ""), body: source.body }, 100);
    assert.deepEqual(body, { text: "a".repeat(20), truncated: false });
    assert.equal(source.cancelled(), false);
  });

  it("stops at the cap and cancels the stream: the rest is never pulled", async () => {
    const source = streamed(1000, 1024);
    const body = await readBodyCapped({ ...response(200, ""), body: source.body }, 2500);
    assert.equal(body.text.length, 2500);
    assert.equal(body.truncated, true);
    assert.equal(source.cancelled(), true);
    assert.ok(source.pulled() <= 4, `${source.pulled()} chunks pulled`);
  });

  it("cuts a body that has no stream (already in memory) to the cap, and reads no body as empty", async () => {
    assert.deepEqual(await readBodyCapped(response(200, "abcdef"), 3), {
      text: "abc",
      truncated: true,
    });
    assert.deepEqual(await readBodyCapped({ ...response(204, "x"), body: null }, 3), {
      text: "",
      truncated: false,
    });
  });
});
