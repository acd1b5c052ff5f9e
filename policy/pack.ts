/**
 * The Greenlight policy pack's contents, importable without starting the policy server (only
 * `index.ts` calls `new PolicyPack`, which serves the engine).
 */
import type { Policies } from "@pulumi/policy";
import {
  blueGreenPolicies,
  iamPolicies,
  networkPolicies,
  secretsPolicies,
  storagePolicies,
  tagPolicies,
} from "./policies";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "greenlight";

/** Every policy of the pack, integrity first. */
export const policies: Policies = [
  ...blueGreenPolicies,
  ...networkPolicies,
  ...storagePolicies,
  ...iamPolicies,
  ...secretsPolicies,
  ...tagPolicies,
];
