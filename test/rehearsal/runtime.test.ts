import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { systemClock } from "../../hooks/core/clock";
import { globalFetch } from "../../hooks/core/http";
import { silentLogger } from "../../hooks/core/logger";
import { buildLiveMessage } from "../../hooks/core/notify";
import { postToSlack } from "../../hooks/core/slack";
import { readSlackPayload, startWebhookReceiver } from "../../tools/rehearsal/receiver";
import { expectOk, runtimeApi, setState, setWeight, showStat } from "../../tools/rehearsal/runtime";
import { buildFor } from "../../tools/rehearsal/run";
import { loadStackSettings } from "../../tools/rehearsal/stack";

/** A fake admin socket: records each command, answers it, closes (as HAProxy does). */
async function fakeSocket(
  answer: (command: string) => string,
): Promise<{ path: string; commands: string[]; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-runtime-test-"));
  const socketPath = path.join(dir, "admin.sock");
  const commands: string[] = [];
  const server = net.createServer((socket) => {
    let buffered = "";
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      if (!buffered.endsWith("\n")) return;
      const command = buffered.trim();
      commands.push(command);
      socket.end(answer(command));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    path: socketPath,
    commands,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}

describe("rehearsal HAProxy runtime client and webhook receiver", function () {
  this.timeout(10_000);

  it("sends one command per connection, to a slot's checked server and its fail-open twin", async () => {
    const socket = await fakeSocket((command) =>
      command === "show stat"
        ? "# pxname,svname,scur,status,weight,check_status,check_code,wretr,wredis,econ,eresp,addr\nbe_prod,green,0,UP,256,L7OK,200,,,,,127.0.0.1:9\n"
        : "\n",
    );
    try {
      const api = runtimeApi(socket.path);
      await setWeight(api, "prod", "green", 256);
      await setState(api, "test", "blue", "drain");
      const rows = await showStat(api);
      assert.deepEqual(socket.commands, [
        "set server be_prod/green weight 256",
        "set server be_prod/green-failopen weight 256",
        "set server be_test/blue state drain",
        "set server be_test/blue-failopen state drain",
        "show stat",
      ]);
      assert.equal(rows[0]?.status, "UP");
      assert.equal(rows[0]?.address, "127.0.0.1:9");
    } finally {
      await socket.close();
    }
  });

  it("rejects when HAProxy answers with an error, and refuses to send two commands at once", async () => {
    const socket = await fakeSocket(() => "No such server.\n");
    try {
      const api = runtimeApi(socket.path);
      await assert.rejects(
        setWeight(api, "prod", "blue", 0),
        /HAProxy refused "set server be_prod\/blue weight 0": No such server\./,
      );
      await assert.rejects(
        expectOk(api, "show info; shutdown sessions"),
        /must be a single command/,
      );
      assert.equal(socket.commands.length, 1);
    } finally {
      await socket.close();
    }
  });

  it("rejects when the socket is not there", async () => {
    const api = runtimeApi(path.join(os.tmpdir(), "greenlight-no-such-socket.sock"));
    await assert.rejects(api.send("show info"), /ENOENT/);
  });

  it("receives a real live notice like Slack: 200 ok, the text and the Block Kit blocks kept", async () => {
    const printed: string[] = [];
    const receiver = await startWebhookReceiver((message) => printed.push(message.text));
    try {
      const settings = loadStackSettings("dev");
      const message = buildLiveMessage({
        environment: "dev",
        service: "web",
        build: buildFor("v0.0.2", settings),
      });
      const result = await postToSlack(receiver.url, message, {
        fetch: globalFetch,
        clock: systemClock,
        logger: silentLogger,
      });
      assert.deepEqual(result, { ok: true, attempts: 1, status: 200 });
      assert.equal(receiver.messages.length, 1);
      assert.equal(receiver.messages[0]?.text, message.text);
      assert.equal(receiver.messages[0]?.headline, "✅ web v0.0.2 is live in dev");
      assert.deepEqual(
        receiver.messages[0]?.blockTypes,
        message.blocks.map((block) => block.type),
      );
      assert.deepEqual(printed, [message.text]);
      const bad = await fetch(receiver.url, { method: "POST", body: "not json" });
      assert.equal(bad.status, 400);
      assert.equal(await bad.text(), "invalid_payload");
    } finally {
      await receiver.close();
    }
  });

  it("reads only payloads with a text", () => {
    assert.equal(readSlackPayload("[]", 1), undefined);
    assert.equal(readSlackPayload('{"blocks":[]}', 1), undefined);
    assert.deepEqual(readSlackPayload('{"text":"hi"}', 7), {
      receivedAt: 7,
      text: "hi",
      blockTypes: [],
    });
  });
});
