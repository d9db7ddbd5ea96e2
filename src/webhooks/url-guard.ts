// Which URLs a webhook endpoint may have. http and https only; the host is resolved and every
// address it resolves to must be public: private, loopback, link-local, unique-local, CGNAT,
// multicast and unspecified addresses are refused (code WEBHOOK_URL_REFUSED), unless the instance
// allows them (HUBSYNC_WEBHOOKS_ALLOW_PRIVATE=on). The same check runs again on every delivery,
// inside the connection's own DNS lookup (`guardedLookup`), so a name that later resolves to an
// internal address (DNS rebinding) is refused at the moment of connecting.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../lib/index.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** Whether an address (v4, v6, or v4-mapped v6) is private, loopback, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

const lookupAll = promisify(dnsLookup);

function refused(message: string, reason: string): AppError {
  return new AppError('WEBHOOK_URL_REFUSED', message, { reason });
}

/**
 * Checks an endpoint URL: parses it, resolves its host and checks every address. Throws a
 * WEBHOOK_URL_REFUSED AppError with `details.reason` (`scheme`, `invalid`, `unresolvable`,
 * `private-address`).
 */
export async function checkWebhookUrl(url: string, options: { allowPrivate: boolean }): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused('The URL is not valid.', 'invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw refused('Only http and https URLs can receive webhooks.', 'scheme');
  if (parsed.username || parsed.password) throw refused('The URL must not carry a user name or password.', 'invalid');
  if (options.allowPrivate) return parsed;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookupAll(host, { all: true, verbatim: true });
  } catch {
    throw refused(`The host ${host} does not resolve.`, 'unresolvable');
  }
  if (addresses.length === 0) throw refused(`The host ${host} does not resolve.`, 'unresolvable');
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw refused(`The host ${host} resolves to ${bad.address}, a private, loopback or link-local address. Set HUBSYNC_WEBHOOKS_ALLOW_PRIVATE=on to allow it.`, 'private-address');
  return parsed;
}

/** A DNS lookup for http.request that refuses private addresses (every one the name resolves to). */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(Object.assign(new Error(`${hostname} resolves to ${bad.address}, a private address (HUBSYNC_WEBHOOKS_ALLOW_PRIVATE is off)`), { code: 'WEBHOOK_URL_REFUSED' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
