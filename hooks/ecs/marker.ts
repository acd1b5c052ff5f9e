/**
 * The verdict marker: what makes the ECS hook's Slack notice and release record happen once per
 * deployment stage, and keeps a duplicate or late invocation from contradicting the verdict.
 *
 * Why a marker at all: `hookDetails` cannot do it (a duplicate invocation carries the same
 * details as the original), and the release record is overwritten by every release (Parameter
 * Store has no compare-and-swap). `PutParameter` without `Overwrite` is an atomic create: exactly
 * one writer succeeds, every other gets `ParameterAlreadyExists` (SSM API reference, PutParameter).
 * So the first invocation to reach a verdict claims `/greenlight/<env>/<service>/ecs-verdicts/
 * <deployment id>/<stage>` with that verdict; an invocation that finds the marker answers with the
 * recorded verdict and posts nothing.
 *
 * Why Advanced tier: a marker per deployment would pile up in the Standard tier (10,000
 * parameters per account and region, no policies). An Advanced parameter accepts an Expiration
 * policy, so Parameter Store deletes each marker after the retention (48 hours by default); it
 * costs a prorated fraction of $0.05 a month while it exists.
 *
 * Parameter Store unavailable: the hook still answers with its own verdict and posts (a duplicate
 * notice beats a lost one, as for the notifier), and says so in the log.
 */
import {
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type PutParameterCommandInput,
} from "@aws-sdk/client-ssm";
import { parameterPathPrefix } from "../core/release";
import { describeError } from "../core/redact";
import { callAws } from "../shared/aws";
import type { EcsHookClients } from "./aws";
import { HookStatus, type FinalHookStatus } from "./event";

/** What a marker records. */
export interface VerdictMark {
  readonly verdict: FinalHookStatus;
  /** The execution that reached it. */
  readonly executionId: string;
  /** When (ISO 8601). */
  readonly at: string;
}

/** What a claim found. */
export type ClaimResult =
  | { readonly claimed: true }
  /** Another invocation got there first; its verdict stands. */
  | { readonly claimed: false; readonly existing: VerdictMark }
  /** Parameter Store could not say; the caller acts on its own verdict. */
  | { readonly claimed: false; readonly error: string };

/** Where the marker of one stage of one deployment lives. Pure. */
export function verdictMarkerName(
  environment: string,
  service: string,
  deploymentId: string,
  stage: string,
): string {
  return `${parameterPathPrefix(environment)}${service}/ecs-verdicts/${deploymentId}/${stage}`;
}

/** The create-only `PutParameter` that claims a verdict. Pure. */
export function claimInput(
  name: string,
  mark: VerdictMark,
  expiresAt: Date,
): PutParameterCommandInput {
  return {
    Name: name,
    Value: JSON.stringify(mark),
    Type: "String",
    Overwrite: false,
    Tier: "Advanced",
    DataType: "text",
    Policies: JSON.stringify([
      { Type: "Expiration", Version: "1.0", Attributes: { Timestamp: expiresAt.toISOString() } },
    ]),
  };
}

/** Reads a marker's value; `undefined` when it is not one. Pure. */
export function parseVerdictMark(value: string | undefined): VerdictMark | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const verdict = record.verdict;
  if (verdict !== HookStatus.succeeded && verdict !== HookStatus.failed) return undefined;
  return {
    verdict,
    executionId: typeof record.executionId === "string" ? record.executionId : "",
    at: typeof record.at === "string" ? record.at : "",
  };
}

/** Reads the marker; `undefined` when there is none. Rejects when Parameter Store fails. */
export async function readVerdictMark(
  ssm: EcsHookClients["ssm"],
  name: string,
  signal?: AbortSignal,
): Promise<VerdictMark | undefined> {
  try {
    const { Parameter: parameter } = await callAws(signal, (o) =>
      ssm.send(new GetParameterCommand({ Name: name }), o),
    );
    return parseVerdictMark(parameter?.Value);
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

/** Claims the verdict. Never rejects. */
export async function claimVerdict(
  ssm: EcsHookClients["ssm"],
  name: string,
  mark: VerdictMark,
  expiresAt: Date,
  signal?: AbortSignal,
): Promise<ClaimResult> {
  try {
    await callAws(signal, (o) =>
      ssm.send(new PutParameterCommand(claimInput(name, mark, expiresAt)), o),
    );
    return { claimed: true };
  } catch (error) {
    if (!(error instanceof ParameterAlreadyExists)) {
      return { claimed: false, error: describeError(error) };
    }
  }
  try {
    const existing = await readVerdictMark(ssm, name, signal);
    if (existing !== undefined) return { claimed: false, existing };
    return { claimed: false, error: `the marker ${name} exists but holds no verdict` };
  } catch (error) {
    return { claimed: false, error: describeError(error) };
  }
}
