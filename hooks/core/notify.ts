/**
 * Slack messages (Block Kit, with a plain `text` fallback for notifications and old clients): the
 * live notice and the failure notice. Builders are pure; sending is `postToSlack`.
 */
import { commitUrl, shortCommit, type BuildMetadata } from "./build-metadata";
import type { LiveCheckOutcome } from "./live-check";
import { describeObservation, describeSeen } from "./probe";
import { firstLine, formatDuration, truncate } from "./format";

/** Slack's limits that the builders keep to. */
export const SlackLimits = {
  /** Characters in a header block's text. */
  headerText: 150,
  /** Characters in a section block's text. */
  sectionText: 3000,
  /** Characters in one section field. */
  fieldText: 2000,
  /** Fields in one section. */
  fields: 10,
  /** Elements in one context block. */
  contextElements: 10,
  /** Blocks in one message. */
  blocks: 50,
  /** Characters of the fallback text this project sends (Slack truncates long ones). */
  fallbackText: 3000,
} as const;

/** Plain text: shown as is. */
export interface PlainText {
  readonly type: "plain_text";
  readonly text: string;
  readonly emoji?: boolean;
}

/** Slack's markdown dialect; `&`, `<` and `>` must be escaped. */
export interface MrkdwnText {
  readonly type: "mrkdwn";
  readonly text: string;
}

export type SlackText = PlainText | MrkdwnText;

export interface HeaderBlock {
  readonly type: "header";
  readonly text: PlainText;
}

export interface SectionBlock {
  readonly type: "section";
  readonly text?: SlackText;
  readonly fields?: readonly SlackText[];
}

export interface ContextBlock {
  readonly type: "context";
  readonly elements: readonly SlackText[];
}

export interface DividerBlock {
  readonly type: "divider";
}

/** The Block Kit blocks this project uses. */
export type SlackBlock = HeaderBlock | SectionBlock | ContextBlock | DividerBlock;

/** An incoming-webhook payload. */
export interface SlackMessage {
  /** The fallback, shown in notifications. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** What a notice says about the deployment. */
export interface DeploymentNotice {
  readonly environment: string;
  readonly service: string;
  readonly build: BuildMetadata;
  /**
   * The repository's web URL, for the commit link.
   * @default - the commit is shown without a link
   */
  readonly repositoryUrl?: string;
  /**
   * How long the deployment has taken.
   * @default - not shown
   */
  readonly durationMs?: number;
  /**
   * The deployment, and a link to it (e.g. in the CodeDeploy console).
   * @default - not shown
   */
  readonly deployment?: { readonly id: string; readonly url?: string };
}

/**
 * What a failure notice says happens next, unless the caller knows better (the CodeDeploy adapter
 * says "CodeDeploy is rolling back.", the CLI that nothing was rolled back).
 */
export const DEFAULT_FAILURE_CONSEQUENCE = "The deployment is being rolled back.";

/** How a failure notice is worded. */
export interface FailureNoticeOptions {
  /**
   * The sentence that says what happens next.
   * @default "The deployment is being rolled back."
   */
  readonly consequence?: string;
}

/** How many of the last answers a failure notice lists. */
const LISTED_ANSWERS = 6;

/** The most characters of a commit message shown. */
const COMMIT_MESSAGE_CHARS = 300;

/** Escapes Slack's control characters (`&`, `<`, `>`) in text that is not meant as markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A mrkdwn link `<url|label>`, with both parts made safe. */
export function slackLink(url: string, label: string): string {
  const safeUrl = url
    .replace(/&/g, "&amp;")
    .replace(/</g, "%3C")
    .replace(/>/g, "%3E")
    .replace(/\|/g, "%7C");
  return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, "¦")}>`;
}

/** Builds the notice that a version is live. */
export function buildLiveMessage(
  notice: DeploymentNotice,
  outcome?: LiveCheckOutcome,
): SlackMessage {
  const { environment, service, build } = notice;
  const headline = `✅ ${service} ${build.version} is live in ${environment}`;
  const refPart = build.ref === "" ? "" : ` (${build.ref} @ ${shortCommit(build.commit)})`;
  const took =
    notice.durationMs === undefined ? "" : `, deployed in ${formatDuration(notice.durationMs)}`;
  const blocks: SlackBlock[] = [headerBlock(headline), factsSection(notice)];
  const message = commitMessageSection(build);
  if (message !== undefined) blocks.push(message);
  const context = contextBlock(notice, outcome === undefined ? [] : [outcome.verdict.summary]);
  if (context !== undefined) blocks.push(context);
  return {
    text: fitMrkdwn(`${escapeMrkdwn(`${headline}${refPart}${took}`)}`, SlackLimits.fallbackText),
    blocks,
  };
}

/** Builds the notice that the live check failed, with what was seen. */
export function buildFailureMessage(
  notice: DeploymentNotice,
  outcome: LiveCheckOutcome,
  options: FailureNoticeOptions = {},
): SlackMessage {
  const { environment, service, build } = notice;
  const consequence = options.consequence ?? DEFAULT_FAILURE_CONSEQUENCE;
  const failedCheck = outcome.verdict.failedCheck ?? "version";
  const headline = `❌ ${service} ${build.version} failed the live check in ${environment}`;
  const blocks: SlackBlock[] = [
    headerBlock(headline),
    {
      type: "section",
      text: mrkdwnText(
        `*Failed check: ${failedCheck}*\n${escapeMrkdwn(outcome.verdict.summary)}\n*${escapeMrkdwn(consequence)}*`,
        SlackLimits.sectionText,
      ),
    },
    factsSection(notice),
    { type: "section", text: mrkdwnText(seenText(outcome), SlackLimits.sectionText) },
  ];
  const context = contextBlock(notice, []);
  if (context !== undefined) blocks.push(context);
  return {
    text: fitMrkdwn(
      escapeMrkdwn(`${headline} (${failedCheck} check). ${consequence}`),
      SlackLimits.fallbackText,
    ),
    blocks,
  };
}

/** What a notice about a live check that could not run knows. */
export interface CheckErrorNotice {
  /** @default - not shown */
  readonly environment?: string;
  /** @default - not shown */
  readonly deployment?: { readonly id: string; readonly url?: string };
  /** What went wrong, already free of secrets. */
  readonly error: string;
}

/** Builds the notice that the live check could not run at all (e.g. the deployment was not found). */
export function buildCheckErrorMessage(
  notice: CheckErrorNotice,
  options: FailureNoticeOptions = {},
): SlackMessage {
  const consequence = options.consequence ?? DEFAULT_FAILURE_CONSEQUENCE;
  const where = notice.environment === undefined ? "" : ` in ${notice.environment}`;
  const which = notice.deployment === undefined ? "" : ` for ${notice.deployment.id}`;
  const headline = `❌ The live check${which}${where} could not run`;
  const blocks: SlackBlock[] = [
    headerBlock(headline),
    {
      type: "section",
      text: mrkdwnText(
        `${escapeMrkdwn(notice.error)}\n*${escapeMrkdwn(consequence)}*`,
        SlackLimits.sectionText,
      ),
    },
  ];
  const link = deploymentLink(notice.deployment);
  if (link !== undefined)
    blocks.push({ type: "context", elements: [mrkdwnText(link, SlackLimits.fieldText)] });
  return {
    text: fitMrkdwn(escapeMrkdwn(`${headline}. ${consequence}`), SlackLimits.fallbackText),
    blocks,
  };
}

/** What a notice about a verdict that could not be delivered to the platform knows. */
export interface UndeliveredNotice extends CheckErrorNotice {
  /** @default - not shown */
  readonly service?: string;
  /** @default - not shown */
  readonly version?: string;
  /** The verdict that could not be delivered, in words (`live`, `failed the live check`). */
  readonly verdict: string;
  /** What happens next and what to do, e.g. when the platform will give up waiting. */
  readonly consequence: string;
}

/**
 * Builds the notice that the verdict was reached but the platform could not be told: it must not
 * read as "live" or as "rolling back", since neither is what happens.
 */
export function buildUndeliveredMessage(notice: UndeliveredNotice): SlackMessage {
  const what = [notice.service, notice.version].filter((part) => part !== undefined).join(" ");
  const where = notice.environment === undefined ? "" : ` in ${notice.environment}`;
  const subject = what === "" ? "The deployment" : what;
  const headline = `⚠️ ${subject}${where}: the verdict (${notice.verdict}) could not be delivered`;
  const blocks: SlackBlock[] = [
    headerBlock(headline),
    {
      type: "section",
      text: mrkdwnText(
        `*${escapeMrkdwn(notice.consequence)}*\n${escapeMrkdwn(notice.error)}`,
        SlackLimits.sectionText,
      ),
    },
  ];
  const link = deploymentLink(notice.deployment);
  if (link !== undefined)
    blocks.push({ type: "context", elements: [mrkdwnText(link, SlackLimits.fieldText)] });
  const url = notice.deployment?.url === undefined ? "" : ` ${notice.deployment.url}`;
  return {
    text: fitMrkdwn(
      escapeMrkdwn(`${headline}. ${notice.consequence}${url}`),
      SlackLimits.fallbackText,
    ),
    blocks,
  };
}

/** A header block, cut to Slack's limit. */
export function headerBlock(text: string): HeaderBlock {
  return {
    type: "header",
    text: { type: "plain_text", text: truncate(text, SlackLimits.headerText), emoji: true },
  };
}

/** A mrkdwn text object, cut to `limit` characters without breaking an entity or a link. */
export function mrkdwnText(text: string, limit: number): MrkdwnText {
  return { type: "mrkdwn", text: fitMrkdwn(text, limit) };
}

/** Truncates mrkdwn without leaving half an entity (`&am…`) or half a link behind. */
export function fitMrkdwn(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let cut = text.slice(0, limit - 1);
  cut = cut.replace(/&[a-z]*$/, "");
  const open = cut.lastIndexOf("<");
  if (open > cut.lastIndexOf(">")) cut = cut.slice(0, open);
  return `${cut}…`;
}

/** A section field: a bold label over a mrkdwn value. */
export function labelledField(label: string, valueMrkdwn: string): MrkdwnText {
  return mrkdwnText(`*${label}*\n${valueMrkdwn}`, SlackLimits.fieldText);
}

function factsSection(notice: DeploymentNotice): SectionBlock {
  const { build } = notice;
  const fields: MrkdwnText[] = [
    labelledField("Environment", escapeMrkdwn(notice.environment)),
    labelledField("Service", escapeMrkdwn(notice.service)),
    labelledField("Version", escapeMrkdwn(build.version)),
  ];
  if (build.ref !== "") {
    fields.push(labelledField(build.refType === "tag" ? "Tag" : "Branch", escapeMrkdwn(build.ref)));
  }
  if (build.commit !== "") {
    const short = shortCommit(build.commit);
    const url = commitUrl(notice.repositoryUrl, build.commit);
    fields.push(
      labelledField(
        "Commit",
        url === undefined ? `\`${escapeMrkdwn(short)}\`` : slackLink(url, short),
      ),
    );
  }
  if (build.author !== "") fields.push(labelledField("By", escapeMrkdwn(build.author)));
  if (notice.durationMs !== undefined)
    fields.push(labelledField("Took", formatDuration(notice.durationMs)));
  return { type: "section", fields: fields.slice(0, SlackLimits.fields) };
}

function commitMessageSection(build: BuildMetadata): SectionBlock | undefined {
  const message = firstLine(build.commitMessage);
  if (message === "") return undefined;
  return {
    type: "section",
    text: mrkdwnText(
      `>${escapeMrkdwn(truncate(message, COMMIT_MESSAGE_CHARS))}`,
      SlackLimits.sectionText,
    ),
  };
}

function deploymentLink(deployment: DeploymentNotice["deployment"]): string | undefined {
  if (deployment === undefined) return undefined;
  const label = `Deployment ${deployment.id}`;
  return deployment.url === undefined ? escapeMrkdwn(label) : slackLink(deployment.url, label);
}

function contextBlock(
  notice: DeploymentNotice,
  notes: readonly string[],
): ContextBlock | undefined {
  const elements: MrkdwnText[] = [];
  const link = deploymentLink(notice.deployment);
  if (link !== undefined) elements.push(mrkdwnText(link, SlackLimits.fieldText));
  for (const note of notes) elements.push(mrkdwnText(escapeMrkdwn(note), SlackLimits.fieldText));
  if (elements.length === 0) return undefined;
  return { type: "context", elements: elements.slice(0, SlackLimits.contextElements) };
}

function seenText(outcome: LiveCheckOutcome): string {
  const { probe, targets } = outcome;
  const lines = [
    `*What was seen* (${probe.attempts} requests to ${escapeMrkdwn(probe.url)} over ` +
      `${formatDuration(probe.elapsedMs)}; best streak ${probe.bestStreak} of ${probe.required})`,
    escapeMrkdwn(describeSeen(probe.seen)),
  ];
  const last = probe.last.slice(-LISTED_ANSWERS);
  if (last.length > 0) {
    const answers = last.map(
      (observation) =>
        `#${observation.attempt} +${formatDuration(observation.atMs)}  ${describeObservation(observation)}`,
    );
    lines.push("*Last answers*", `\`\`\`${escapeMrkdwn(answers.join("\n"))}\`\`\``);
  }
  if (targets !== undefined) lines.push(`*Targets*: ${escapeMrkdwn(targets.reason)}`);
  return lines.join("\n");
}
