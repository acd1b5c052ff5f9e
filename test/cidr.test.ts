import { strict as assert } from "assert";
import { cidrProblem, contains, formatCidr, overlaps, parseCidr, subnet } from "../components/cidr";

describe("CIDR arithmetic", () => {
  it("parses and formats a block", () => {
    assert.equal(formatCidr(parseCidr("10.20.0.0/16")), "10.20.0.0/16");
    assert.equal(formatCidr(parseCidr("192.168.255.240/28")), "192.168.255.240/28");
  });

  it("names what is wrong with a malformed block", () => {
    assert.equal(cidrProblem("10.0.0.0/16"), undefined);
    assert.match(cidrProblem("10.0.0/16")!, /not an IPv4 CIDR block/);
    assert.match(cidrProblem("300.0.0.0/16")!, /octets go to 255/);
    assert.equal(cidrProblem("10.0.0.1/24"), "has host bits set: the block is 10.0.0.0/24");
  });

  it("detects overlap and containment", () => {
    const vpc = parseCidr("10.0.0.0/16");
    assert.ok(overlaps(parseCidr("10.0.0.0/20"), parseCidr("10.0.8.0/21")));
    assert.ok(!overlaps(parseCidr("10.0.0.0/20"), parseCidr("10.0.16.0/20")));
    assert.ok(contains(vpc, parseCidr("10.0.255.0/24")));
    assert.ok(!contains(vpc, parseCidr("10.1.0.0/24")));
    assert.ok(!contains(parseCidr("10.0.0.0/24"), vpc));
  });

  it("divides a block into equal subnets", () => {
    const vpc = parseCidr("10.30.0.0/16");
    assert.equal(formatCidr(subnet(vpc, 3, 0)), "10.30.0.0/19");
    assert.equal(formatCidr(subnet(vpc, 3, 7)), "10.30.224.0/19");
    assert.throws(() => subnet(vpc, 3, 8), /cannot take block 8/);
  });
});
