/**
 * Sender IP allowlists (cdk.json `providers.<id>.allowedSourceCidrs`): HTTP APIs take no AWS WAF, so the
 * verifier checks the caller's address (API Gateway's `requestContext.http.sourceIp`) itself, before it
 * fetches a secret. Node's BlockList does the matching, IPv4 and IPv6, with no library to keep.
 */
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

function parse(cidr: string): { address: string; prefix: number; family: Family } | undefined {
  const match = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!match) return undefined;
  const version = isIP(match[1]!);
  const prefix = Number(match[2]);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address: match[1]!, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function isCidr(value: string): boolean {
  return parse(value) !== undefined;
}

/** A predicate over source addresses; throws on a malformed block (configuration is validated at synth). */
export function sourceAllowList(cidrs: readonly string[]): (sourceIp: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const block = parse(cidr);
    if (!block) throw new Error(`not a CIDR block: ${cidr}`);
    list.addSubnet(block.address, block.prefix, block.family);
  }
  return (sourceIp) => {
    const version = isIP(sourceIp);
    return version !== 0 && list.check(sourceIp, version === 4 ? 'ipv4' : 'ipv6');
  };
}
