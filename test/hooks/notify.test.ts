import { undeliveredConsequence } from "../../hooks/codedeploy/hook";
import { strict as assert } from "node:assert";
import {
  commitUrl,
  commitUrlPrefix,
  shortCommit,
  type BuildMetadata,
} from "../../hooks/core/build-metadata";
import { runLiveCheck, type LiveCheckOutcome } from "../../hooks/core/live-check";
import {
  buildCheckErrorMessage,
  buildFailureMessage,
  buildLiveMessage,
  buildUndeliveredMessage,
  escapeMrkdwn,
  slackLink,
  SlackLimits,
  type DeploymentNotice,
  type SlackBlock,
  type SlackMessage,
} from "../../hooks/core/notify";
import { FakeClock } from "./helpers/fake-clock";
import { scriptedFetch, type Scripted } from "./helpers/fake-fetch";

const build: BuildMetadata = {
  version: "1.4.3",
  commit: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
  ref: "main",
  refType: "branch",
  commitMessage: "Fix checkout totals\n\nLonger explanation that is not shown.",
  author: "Ada Lovelace",
};

const notice: DeploymentNotice = {
  environment: "prod",
  service: "checkout",
  build,
  repositoryUrl: "https://github.com/acme/shop",
  durationMs: 252_000,
  deployment: {
    id: "d-ABC123XYZ",
    url: "https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123XYZ?region=eu-west-1",
  },
};

async function outcomeOf(script: Scripted[], consecutive = 2): Promise<LiveCheckOutcome> {
  const clock = new FakeClock();
  const { fetch } = scriptedFetch(clock, script);
  return runLiveCheck(
    {
      versionUrl: "http://alb.test/version",
      expectedVersion: "1.4.3",
      probe: { consecutive, intervalMs: 1000, deadlineMs: 5000 },
    },
    { clock, fetch },
  );
}

function textsOf(message: SlackMessage): string[] {
  const texts: string[] = [];
  for (const block of message.blocks) {
    if (block.type === "header") texts.push(block.text.text);
    if (block.type === "section") {
      if (block.text !== undefined) texts.push(block.text.text);
      for (const field of block.fields ?? []) texts.push(field.text);
    }
    if (block.type === "context") for (const element of block.elements) texts.push(element.text);
  }
  return texts;
}

function fieldsOf(message: SlackMessage): Record<string, string> {
  const section = message.blocks.find(
    (block): block is Extract<SlackBlock, { type: "section" }> =>
      block.type === "section" && block.fields !== undefined,
  );
  return Object.fromEntries(
    (section?.fields ?? []).map((field) => {
      const [label, ...rest] = field.text.split("\n");
      return [label!.replace(/\*/g, ""), rest.join("\n")];
    }),
  );
}

function assertWithinLimits(message: SlackMessage): void {
  assert.ok(message.blocks.length <= SlackLimits.blocks);
  assert.ok(message.text.length <= SlackLimits.fallbackText);
  for (const block of message.blocks) {
    if (block.type === "header") assert.ok(block.text.text.length <= SlackLimits.headerText);
    if (block.type === "section") {
      if (block.text !== undefined)
        assert.ok(block.text.text.length <= SlackLimits.sectionText, "section text");
      assert.ok((block.fields ?? []).length <= SlackLimits.fields);
      for (const field of block.fields ?? []) assert.ok(field.text.length <= SlackLimits.fieldText);
    }
    if (block.type === "context") assert.ok(block.elements.length <= SlackLimits.contextElements);
  }
}

describe("hooks/core build metadata links", () => {
  it("shortens a commit to seven characters", () => {
    assert.equal(shortCommit(build.commit), "a1b2c3d");
  });

  it("links GitHub and GitLab commits under /commit/ and Bitbucket under /commits/", () => {
    assert.equal(
      commitUrl("https://github.com/acme/shop.git", "abc1234"),
      "https://github.com/acme/shop/commit/abc1234",
    );
    assert.equal(
      commitUrl("https://gitlab.com/acme/group/shop/", "abc1234"),
      "https://gitlab.com/acme/group/shop/commit/abc1234",
    );
    assert.equal(
      commitUrl("git@bitbucket.org:acme/shop.git", "abc1234"),
      "https://bitbucket.org/acme/shop/commits/abc1234",
    );
  });

  it("drops credentials in a repository URL and refuses what is not a web URL or a commit id", () => {
    assert.equal(
      commitUrl("https://user:token@github.com/acme/shop", "abc1234"),
      "https://github.com/acme/shop/commit/abc1234",
    );
    assert.equal(
      commitUrlPrefix("https://bitbucket.org/acme/shop"),
      "https://bitbucket.org/acme/shop/commits",
    );
    assert.equal(
      commitUrlPrefix("https://github.com/acme/shop/"),
      "https://github.com/acme/shop/commit",
    );
    assert.equal(commitUrl("", "abc1234"), undefined);
    assert.equal(commitUrl("file:///srv/git/shop", "abc1234"), undefined);
    assert.equal(commitUrl("https://github.com/acme/shop", "main; rm -rf"), undefined);
  });
});

describe("hooks/core Slack message builders", () => {
  it("builds a live notice with environment, service, version, branch, linked commit, author and duration", async () => {
    const outcome = await outcomeOf([{ version: "1.4.3" }]);
    const message = buildLiveMessage(notice, outcome);
    assert.deepEqual(message.blocks[0], {
      type: "header",
      text: { type: "plain_text", text: "✅ checkout 1.4.3 is live in prod", emoji: true },
    });
    assert.deepEqual(fieldsOf(message), {
      Environment: "prod",
      Service: "checkout",
      Version: "1.4.3",
      Branch: "main",
      Commit:
        "<https://github.com/acme/shop/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678|a1b2c3d>",
      By: "Ada Lovelace",
      Took: "4 min 12 s",
    });
    assert.deepEqual(message.blocks[2], {
      type: "section",
      text: { type: "mrkdwn", text: ">Fix checkout totals" },
    });
    const context = message.blocks[3];
    assert.equal(context?.type, "context");
    assert.equal(
      context?.type === "context" ? context.elements[0]?.text : "",
      "<https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123XYZ?region=eu-west-1|Deployment d-ABC123XYZ>",
    );
    assert.equal(
      message.text,
      "✅ checkout 1.4.3 is live in prod (main @ a1b2c3d), deployed in 4 min 12 s",
    );
    assertWithinLimits(message);
  });

  it("labels a tag as Tag, shows an unlinked commit without a repository URL and leaves out an empty author", () => {
    const message = buildLiveMessage({
      environment: "prod",
      service: "checkout",
      build: { ...build, ref: "v1.4.3", refType: "tag", author: "" },
    });
    const fields = fieldsOf(message);
    assert.equal(fields.Tag, "v1.4.3");
    assert.equal(fields.Branch, undefined);
    assert.equal(fields.Commit, "`a1b2c3d`");
    assert.equal(fields.By, undefined);
    assert.equal(fields.Took, undefined);
    assert.equal(
      message.blocks.some((block) => block.type === "context"),
      false,
    );
  });

  it("escapes &, < and > in everything people typed", () => {
    const message = buildLiveMessage({
      ...notice,
      build: {
        ...build,
        commitMessage: "Merge <script> & <!channel> tricks",
        author: "Bob <bob@x>",
        ref: "feat/a&b",
      },
    });
    const all = textsOf(message).slice(1).join("\n");
    assert.ok(!all.includes("<script>"));
    assert.ok(!all.includes("<!channel>"));
    assert.match(all, /Merge &lt;script&gt; &amp; &lt;!channel&gt; tricks/);
    assert.equal(fieldsOf(message).By, "Bob &lt;bob@x&gt;");
    assert.equal(fieldsOf(message).Branch, "feat/a&amp;b");
    assert.match(message.text, /feat\/a&amp;b/);
  });

  it("makes links safe: no | or > can end a link early", () => {
    assert.equal(
      slackLink("https://x.test/a?b=1&c=2", "a|b>c"),
      "<https://x.test/a?b=1&amp;c=2|a¦b&gt;c>",
    );
    assert.equal(escapeMrkdwn("a & b < c > d"), "a &amp; b &lt; c &gt; d");
  });

  it("builds a distinct failure notice: the failed check, what was seen and what happens next", async () => {
    const outcome = await outcomeOf([
      { version: "1.4.2" },
      { status: 502, body: "Bad Gateway" },
      { version: "1.4.2" },
    ]);
    const message = buildFailureMessage(notice, outcome, {
      consequence: "CodeDeploy is rolling back.",
    });
    const texts = textsOf(message);
    assert.equal(texts[0], "❌ checkout 1.4.3 failed the live check in prod");
    assert.match(
      texts[1]!,
      /^\*Failed check: version\*\nversion check failed: 2 answers in a row with version 1\.4\.3/,
    );
    assert.match(texts[1]!, /\*CodeDeploy is rolling back\.\*$/);
    const seen = texts.find((text) => text.startsWith("*What was seen*"));
    assert.ok(seen !== undefined);
    assert.match(seen, /5 requests to http:\/\/alb\.test\/version/);
    assert.match(seen, /1\.4\.2 ×4, HTTP 502 ×1/);
    assert.match(seen, /#2 \+1 s {2}HTTP 502/);
    assert.equal(
      message.text,
      "❌ checkout 1.4.3 failed the live check in prod (version check). CodeDeploy is rolling back.",
    );
    assert.equal(fieldsOf(message).Version, "1.4.3");
    assertWithinLimits(message);
  });

  it("says which check failed when it is the targets, and lets the caller word the consequence", async () => {
    const probed = await outcomeOf([{ version: "1.4.3" }]);
    const outcome: LiveCheckOutcome = {
      ...probed,
      verdict: {
        live: false,
        failedCheck: "targets",
        summary: "targets check failed: 1 of 2 targets is not healthy",
      },
      targets: {
        healthy: false,
        pending: false,
        total: 2,
        counts: { healthy: 1, unhealthy: 1, draining: 0, initial: 0, unused: 0, unavailable: 0 },
        reason: "1 of 2 targets is not healthy: 10.0.0.9 unhealthy",
      },
    };
    const message = buildFailureMessage(notice, outcome, {
      consequence: "Nothing was rolled back.",
    });
    const texts = textsOf(message);
    assert.match(texts[1]!, /^\*Failed check: targets\*/);
    assert.match(texts[1]!, /Nothing was rolled back\./);
    assert.ok(!texts.join("\n").includes("CodeDeploy"));
    assert.ok(
      texts.some((text) =>
        text.includes("*Targets*: 1 of 2 targets is not healthy: 10.0.0.9 unhealthy"),
      ),
    );
  });

  it("keeps every block within Slack's limits, however long the input", async () => {
    const long = "x".repeat(5000);
    const outcome = await outcomeOf([
      { status: 500, body: long },
      { network: `${long} & <${long}>` },
    ]);
    const huge: DeploymentNotice = {
      ...notice,
      service: long,
      environment: long,
      build: {
        ...build,
        version: long,
        commitMessage: `${"<&>".repeat(3000)}`,
        author: long,
        ref: long,
      },
    };
    assertWithinLimits(buildLiveMessage(huge, outcome));
    const failure = buildFailureMessage(huge, outcome);
    assertWithinLimits(failure);
    for (const text of textsOf(failure)) {
      assert.ok(!/&[a-z]*…$/.test(text), "no half entity before the ellipsis");
    }
  });

  it("says the deployment is being rolled back when the caller does not name the tool", async () => {
    const outcome = await outcomeOf([{ version: "1.4.2" }]);
    const message = buildFailureMessage(notice, outcome);
    assert.match(message.text, /\(version check\)\. The deployment is being rolled back\.$/);
    assert.ok(!JSON.stringify(message).includes("CodeDeploy is"));
  });

  it("builds a notice for a check that could not run", () => {
    const message = buildCheckErrorMessage(
      {
        environment: "dev",
        deployment: { id: "d-NOPE" },
        error: "DeploymentDoesNotExistException: no deployment d-NOPE & more",
      },
      { consequence: "CodeDeploy is rolling back." },
    );
    const texts = textsOf(message);
    assert.equal(texts[0], "❌ The live check for d-NOPE in dev could not run");
    assert.match(texts[1]!, /no deployment d-NOPE &amp; more\n\*CodeDeploy is rolling back\.\*/);
    assert.equal(texts[2], "Deployment d-NOPE");
  });
});

describe("hooks/core/notify buildUndeliveredMessage", () => {
  it("says the verdict could not be delivered, what happens next and links the deployment", () => {
    const message = buildUndeliveredMessage({
      environment: "prod",
      service: "checkout",
      version: "1.4.3",
      deployment: { id: "d-ABC", url: "https://console.example/d-ABC" },
      verdict: "live",
      error: "The report failed: HTTP 503",
      consequence: undeliveredConsequence(Date.UTC(2026, 0, 2, 14, 5)),
    });
    assert.equal(
      message.text,
      "⚠️ checkout 1.4.3 in prod: the verdict (live) could not be delivered. CodeDeploy could not " +
        "be told — it will time out and roll back at 14:05 UTC; act in the console. " +
        "https://console.example/d-ABC",
    );
    assert.doesNotMatch(JSON.stringify(message.blocks), /is live in|rolling back\./);
    assert.match(
      JSON.stringify(message.blocks),
      /<https:\/\/console\.example\/d-ABC\|Deployment d-ABC>/,
    );
  });
});
