import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

// Where an outbound webhook may connect (issue 13: a webhook to http://127.0.0.1:8086/query
// created a database on the internal InfluxDB, and the delivery log answered like a port
// scanner). Only globally routable unicast addresses are reachable by default; internal ones
// (loopback, RFC 1918, fc00::/7, link-local, CGNAT, unspecified, multicast, reserved, cloud
// metadata) only when the allow-list names the host or a range holding the address.

/** One answer of the resolver: an address and its family, as `dns.lookup({ all: true })` gives them. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** The address a request must connect to: the one that was checked (no second DNS lookup). */
export interface CheckedTarget {
  url: URL;
  /** The URL's host name without IPv6 brackets (for the Host header and TLS SNI). */
  hostname: string;
  address: string;
  family: 4 | 6;
}

/** An outbound address this policy refuses; its message says which address and why. */
export class OutboundRefused extends Error {}

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Cloud metadata services: only an explicit address or range entry allows them, never a host name. */
const METADATA = [ipaddr.parseCIDR('169.254.169.254/32'), ipaddr.parseCIDR('fd00:ec2::254/128')];

/** ipaddr.js range names in the words of the refusal. Anything not 'unicast' is internal. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback',
  private: 'a private (RFC 1918)',
  uniqueLocal: 'a private (fc00::/7)',
  linkLocal: 'a link-local',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10)',
  unspecified: 'an unspecified',
  multicast: 'a multicast',
  broadcast: 'a broadcast',
};

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Whether `entry` is something an allow-list may hold: a host name, an IP address or a CIDR range. */
export function isAllowEntry(entry: string): boolean {
  return (
    ipaddr.isValid(entry) ||
    ipaddr.isValidCIDR(entry) ||
    /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(entry)
  );
}

/**
 * Resolves a webhook URL's host once, checks every address it resolves to, and hands back the
 * first one for the connection. Every address must pass: a name resolving to a public and an
 * internal address is refused rather than hoping the public one gets picked.
 */
export class OutboundAddressPolicy {
  readonly #hosts = new Set<string>();
  readonly #ranges: Cidr[] = [];
  readonly #resolve: Resolve;
  readonly #settingName: string;

  /**
   * @param allow host names (exact, any case), addresses and CIDR ranges whose internal addresses may be reached
   * @param settingName named in refusals, so an operator knows where to allow a host
   */
  constructor(opts: { allow?: readonly string[]; resolve?: Resolve; settingName?: string } = {}) {
    for (const entry of opts.allow ?? []) {
      if (ipaddr.isValidCIDR(entry)) this.#ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const ip = ipaddr.process(entry);
        this.#ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
      } else if (isAllowEntry(entry)) this.#hosts.add(entry.toLowerCase());
      else throw new Error(`'${entry}' is not a host name, IP address or CIDR range`);
    }
    this.#resolve = opts.resolve ?? systemResolve;
    this.#settingName = opts.settingName ?? 'PURNA_WEBHOOK_ALLOW_HOSTS';
  }

  /** The address to connect to for `url`; throws OutboundRefused naming the address and its range. */
  async check(url: URL): Promise<CheckedTarget> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new OutboundRefused(`${url.protocol} is not http(s)`);
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    let answers: ResolvedAddress[];
    if (ipaddr.isValid(hostname))
      answers = [{ address: hostname, family: ipaddr.parse(hostname).kind() === 'ipv4' ? 4 : 6 }];
    else {
      try {
        answers = await this.#resolve(hostname);
      } catch (err) {
        throw new OutboundRefused(
          `${hostname} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        );
      }
    }
    if (answers.length === 0) throw new OutboundRefused(`${hostname} does not resolve`);
    const hostAllowed = this.#hosts.has(hostname);
    for (const a of answers) {
      const why = this.#refusal(a.address, hostAllowed);
      if (why) {
        const via = a.address === hostname ? '' : ` resolves to ${a.address},`;
        throw new OutboundRefused(
          `${hostname}${via} ${why}; webhooks reach internal addresses only when ${this.#settingName} names the host or its range`,
        );
      }
    }
    const first = answers[0];
    return { url, hostname, address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  /** Why `address` may not be reached, or null when it may. */
  #refusal(address: string, hostAllowed: boolean): string | null {
    // process() turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) into the IPv4 it carries.
    const ip = ipaddr.process(address);
    if (this.#ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return null;
    if (METADATA.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits)))
      return 'is a cloud metadata address';
    const range = ip.range();
    if (range === 'unicast' || hostAllowed) return null;
    return `is ${RANGE_WORDS[range] ?? `a reserved (${range})`} address`;
  }
}
