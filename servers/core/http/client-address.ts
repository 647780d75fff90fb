// What "one client" is for the per-client limits (login throttle, hashing bound): its IPv4 address, or
// its IPv6 /64. An IPv6 user gets at least a /64 from any ISP (RFC 6177), so counting each /128 would
// give one attacker 2^64 "clients" and no per-client limit would bound anything (the aggregation
// Cloudflare's and nginx-based rate limiters use). An IPv4-mapped IPv6 address (::ffff:a.b.c.d,
// RFC 4291 2.5.5.2) is that IPv4 address: a dual-stack socket reports IPv4 peers that way.
// ctx.ip honours X-Forwarded-For only behind TRUST_PROXY (app.ts), so this sees the proxy's peer.
import type { Context } from 'koa';
import { isIPv4, isIPv6 } from 'node:net';

/** The 8 groups of an IPv6 address (an embedded dotted IPv4 tail becomes its two groups). */
function ipv6Groups(address: string): string[] {
  let text = address.split('%')[0]; // a zone id (fe80::1%eth0) names an interface, not a host
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((g) => Number.parseInt(g, 16).toString(16));
}

export function clientKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip; // not an address (a unix socket...): itself
  const groups = ipv6Groups(ip);
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [Number.parseInt(groups[6], 16), Number.parseInt(groups[7], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The client this request counts against. */
export function clientOf(ctx: Context): string {
  return clientKey(ctx.ip);
}
