/**
 * The policy pack's entry point: `pulumi preview --policy-pack policy/` runs this file, and
 * `new PolicyPack` serves the policies to the engine. It is the only file that may construct the
 * pack (constructing it starts a server); tests import `./pack` instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./pack";

new PolicyPack(PACK_NAME, {
  description:
    "Greenlight: blue/green integrity, security and tagging rules for every environment stack.",
  policies,
});
