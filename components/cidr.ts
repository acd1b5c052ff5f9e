/** IPv4 CIDR arithmetic: parsing, containment, overlap and subdivision. */

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Why a string is not a usable IPv4 CIDR block, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) {
    return "is not an IPv4 CIDR block such as 10.0.0.0/16";
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) {
    return "is not an IPv4 CIDR block such as 10.0.0.0/16 (octets go to 255, prefixes to 32)";
  }
  const address = toInt(octets);
  const network = maskOf(address, prefix);
  if (network !== address) {
    return `has host bits set: the block is ${formatCidr({ network, prefix })}`;
  }
  return undefined;
}

/** Parses a CIDR block; throws on the problems `cidrProblem` names. */
export function parseCidr(text: string): Cidr {
  const problem = cidrProblem(text);
  if (problem) {
    throw new Error(`${text} ${problem}`);
  }
  const match = CIDR_PATTERN.exec(text)!;
  return { network: toInt(match.slice(1, 5).map(Number)), prefix: Number(match[5]) };
}

export function formatCidr(cidr: Cidr): string {
  const n = cidr.network;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${cidr.prefix}`;
}

/** Number of addresses in the block. */
export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.network + size(a);
  const bEnd = b.network + size(b);
  return a.network < bEnd && b.network < aEnd;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.network >= outer.network &&
    inner.network + size(inner) <= outer.network + size(outer)
  );
}

/** The `index`-th block of `2^newBits` equal blocks that `cidr` divides into. */
export function subnet(cidr: Cidr, newBits: number, index: number): Cidr {
  const prefix = cidr.prefix + newBits;
  if (prefix > 32 || index < 0 || index >= 2 ** newBits) {
    throw new Error(`cannot take block ${index} of /${prefix} from ${formatCidr(cidr)}`);
  }
  return { network: cidr.network + index * 2 ** (32 - prefix), prefix };
}

function toInt(octets: number[]): number {
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

function maskOf(address: number, prefix: number): number {
  if (prefix === 0) {
    return 0;
  }
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return (address & mask) >>> 0;
}
