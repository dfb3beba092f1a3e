// Issue 13: a webhook to http://127.0.0.1:8086/query?q=CREATE DATABASE … created a database on
// the internal InfluxDB, and the delivery log reported the target's status codes (a port scanner).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { ServiceDomain } from '../../service/index.ts';
import { OutboundAddressPolicy, OutboundRefused, type Resolve } from '../../service/notifications/outbound-address.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';
import { makeService, seedSmallNetwork, dispatchRequest } from './helpers.ts';

const SECRET = 'test-secret-0123456789abcdef';

/** DNS answers for names that exist only in the test (DNS is outside the system, like the clock). */
const dnsOf =
  (answers: Record<string, string[]>): Resolve =>
  async (hostname) => {
    const a = answers[hostname];
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const refusal = async (policy: OutboundAddressPolicy, url: string) => {
  try {
    await policy.check(new URL(url));
    return null;
  } catch (err) {
    if (err instanceof OutboundRefused) return err.message;
    throw err;
  }
};

describe('outbound address policy', () => {
  it('refuses every internal address, however it is written, and lets public ones through', async () => {
    const policy = new OutboundAddressPolicy();
    const internal: [string, RegExp][] = [
      ['http://127.0.0.1:8086/query', /127\.0\.0\.1 is a loopback address/],
      ['http://2130706433/', /127\.0\.0\.1 is a loopback address/], // the URL parser's forms of 127.0.0.1
      ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
      ['http://localhost:8086/', /localhost resolves to (127\.0\.0\.1|::1), is a loopback address/], // the real resolver
      ['http://10.1.2.3/', /private \(RFC 1918\)/],
      ['http://172.16.0.1/', /private \(RFC 1918\)/],
      ['http://192.168.1.1/', /private \(RFC 1918\)/],
      ['http://100.64.0.1/', /carrier-grade NAT/],
      ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
      ['http://169.254.10.1/', /link-local/],
      ['http://0.0.0.0:8086/', /unspecified/],
      ['http://224.0.0.1/', /multicast/],
      ['http://[::1]:8086/', /::1 is a loopback address/],
      ['http://[::ffff:127.0.0.1]:8086/', /loopback/], // IPv4-mapped
      ['http://[fc00::1]/', /private \(fc00::\/7\)/],
      ['http://[fd00:ec2::254]/', /cloud metadata/],
      ['http://[fe80::1]/', /link-local/],
      ['http://[::]/', /unspecified/],
      ['http://[ff02::1]/', /multicast/],
    ];
    for (const [url, why] of internal) {
      const message = await refusal(policy, url);
      expect(message, url).toMatch(why);
      expect(message, url).toMatch(/PURNA_WEBHOOK_ALLOW_HOSTS/);
    }
    expect(await refusal(policy, 'http://93.184.215.14/hook')).toBeNull();
    expect(await refusal(policy, 'https://[2606:4700::1]/hook')).toBeNull();
  });

  it('checks what a name resolves to, every address of it, and names no port', async () => {
    const policy = new OutboundAddressPolicy({
      resolve: dnsOf({
        'crm.example.test': ['93.184.215.14'],
        'sneaky.example.test': ['93.184.215.14', '10.0.0.5'],
        'meta.example.test': ['169.254.169.254'],
      }),
    });
    expect(await policy.check(new URL('https://crm.example.test/hook'))).toMatchObject({
      hostname: 'crm.example.test',
      address: '93.184.215.14',
      family: 4,
    });
    expect(await refusal(policy, 'https://sneaky.example.test:8086/hook')).toBe(
      'sneaky.example.test resolves to 10.0.0.5, is a private (RFC 1918) address; webhooks reach internal addresses only when PURNA_WEBHOOK_ALLOW_HOSTS names the host or its range',
    );
    expect(await refusal(policy, 'http://meta.example.test/')).toMatch(
      /resolves to 169\.254\.169\.254, is a cloud metadata address/,
    );
    expect(await refusal(policy, 'http://nowhere.example.test/')).toMatch(
      /nowhere\.example\.test does not resolve \(ENOTFOUND\)/,
    );
  });

  it('allows exactly what the allow-list names: addresses, ranges, host names (metadata only by address)', async () => {
    const policy = new OutboundAddressPolicy({
      allow: ['127.0.0.1', '10.20.0.0/16', 'CRM.internal', 'fd12::/16'],
      resolve: dnsOf({ 'crm.internal': ['10.9.9.9'], 'other.internal': ['10.9.9.9'] }),
    });
    expect(await refusal(policy, 'http://127.0.0.1:8080/')).toBeNull();
    expect(await refusal(policy, 'http://[::ffff:127.0.0.1]:8080/')).toBeNull();
    expect(await refusal(policy, 'http://127.0.0.2:8080/')).toMatch(/loopback/);
    expect(await refusal(policy, 'http://10.20.5.5/')).toBeNull();
    expect(await refusal(policy, 'http://10.21.0.1/')).toMatch(/private/);
    expect(await refusal(policy, 'http://[fd12::5]/')).toBeNull();
    expect(await refusal(policy, 'http://crm.internal/')).toBeNull();
    expect(await refusal(policy, 'http://other.internal/')).toMatch(/other\.internal resolves to 10\.9\.9\.9/);

    const byName = new OutboundAddressPolicy({
      allow: ['meta.internal'],
      resolve: dnsOf({ 'meta.internal': ['169.254.169.254'] }),
    });
    expect(await refusal(byName, 'http://meta.internal/')).toMatch(/cloud metadata/);
    const byAddress = new OutboundAddressPolicy({ allow: ['169.254.169.254/32'] });
    expect(await refusal(byAddress, 'http://169.254.169.254/')).toBeNull();
  });
});

let service: ServiceDomain | null = null;
const servers: Server[] = [];
afterEach(async () => {
  service?.stop();
  service = null;
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function receiver(host: string, port = 0) {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    received.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { port: (server.address() as AddressInfo).port, received };
}

describe('delivery connects to the address it checked', () => {
  it("sends to the checked address with the URL's Host header; a name rebinding to an internal address gets nothing", async () => {
    const allowed = await receiver('127.0.0.1');
    const rebound = await receiver('127.0.0.2', allowed.port);
    const dns = { 'crm.example.test': ['127.0.0.1'] };
    const ctx = makeService({
      webhooks: [{ url: `http://crm.example.test:${allowed.port}/hook`, secret: SECRET, events: ['workOrder.open'] }],
      notifier: { pollIntervalMs: 0, baseRetryDelayMs: 1000, outboundAllow: ['127.0.0.1/32'], resolve: dnsOf(dns) },
    });
    service = ctx.service;
    seedSmallNetwork(service);
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    expect(await service.stores.notifier.processDue()).toBe(1);
    expect(allowed.received.map((h) => h.host)).toEqual([`crm.example.test:${allowed.port}`]);

    // The name now answers 127.0.0.2 (not allowed): refused at delivery, nothing reaches it.
    dns['crm.example.test'] = ['127.0.0.2'];
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-2'));
    expect(await service.stores.notifier.processDue()).toBe(0);
    expect(rebound.received).toEqual([]);
    const [latest] = service.stores.notifier.listDeliveries();
    expect(latest).toMatchObject({ state: 'pending', lastStatus: null });
    expect(latest.lastError).toMatch(
      /^refused, nothing sent: crm\.example\.test resolves to 127\.0\.0\.2, is a loopback address/,
    );
    expect(allowed.received).toHaveLength(1);
  });

  it("over https: the TLS server name is the URL's host and the certificate is still checked", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-webhook-tls-'));
    const [certPath, keyPath] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '1',
        '-subj',
        '/CN=crm.example.test',
        '-addext',
        'subjectAltName=DNS:crm.example.test',
      ],
      { stdio: 'ignore' },
    );
    const serverNames: string[] = [];
    const tls = createTlsServer(
      {
        cert: readFileSync(certPath),
        key: readFileSync(keyPath),
        SNICallback: (name, done) => {
          serverNames.push(name);
          done(null, undefined); // the server's own certificate
        },
      },
      (_req, res) => res.writeHead(204).end(),
    );
    servers.push(tls);
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    rmSync(dir, { recursive: true, force: true });
    const port = (tls.address() as AddressInfo).port;
    const ctx = makeService({
      webhooks: [{ url: `https://crm.example.test:${port}/hook`, secret: SECRET, events: ['workOrder.open'] }],
      notifier: { pollIntervalMs: 0, resolve: dnsOf({ 'crm.example.test': ['127.0.0.1'] }) },
    });
    service = ctx.service;
    seedSmallNetwork(service);
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    expect(await service.stores.notifier.processDue()).toBe(0);
    expect(serverNames).toEqual(['crm.example.test']);
    // Self-signed: connecting to the pinned address does not switch the certificate check off.
    expect(service.stores.notifier.listDeliveries()[0]).toMatchObject({
      state: 'pending',
      lastStatus: null,
      lastError: expect.stringMatching(/^self-signed certificate/),
    });
  });
});

describe('webhooks against the internal InfluxDB (issue 13, real servers)', () => {
  let purna: TestPurna | null = null;
  afterEach(async () => {
    await purna?.destroy();
    purna = null;
  });

  const influxUrl = inject('influxUrl');
  const databases = async () =>
    JSON.stringify(await (await fetch(`${influxUrl}/query?q=${encodeURIComponent('SHOW DATABASES')}`)).json());
  const pwnUrl = (db: string) => `${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`;

  it('refuses the webhook at creation (400 naming url and why) and at delivery (nothing sent, same log for open and closed ports)', async () => {
    purna = await startTestPurna();
    const admin = await loginAs(purna, 'admin');
    const db = `ssrf_${process.pid}_${Date.now()}`;
    const created = await fetch(`${purna.dashboardUrl}api/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin },
      body: JSON.stringify({ url: pwnUrl(db), secret: SECRET }),
    });
    expect(created.status).toBe(400);
    expect((await created.json()).message).toMatch(
      /^webhook url refused: (127\.0\.0\.1|localhost resolves to \S+,) is a loopback address; .*PURNA_WEBHOOK_ALLOW_HOSTS/,
    );
    expect(purna.service.stores.notifier.listWebhooks()).toEqual([]);

    // A webhook stored before this check existed (or whose name now resolves inward) is
    // refused when delivered: InfluxDB sees nothing, and a listening port and a closed one
    // (9, discard) leave the same words in the log.
    const closedPort = pwnUrl(db).replace(/:\d+\//, ':9/');
    purna.service.stores.notifier.addWebhook({ url: pwnUrl(db), secret: SECRET });
    purna.service.stores.notifier.addWebhook({ url: closedPort, secret: SECRET });
    purna.service.stores.notifier.enqueue('workOrder.open', { id: 'WO-1' });
    await purna.service.stores.notifier.processDue();
    expect(await databases()).not.toContain(db);
    const deliveries = purna.service.stores.notifier.listDeliveries();
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      expect(d).toMatchObject({ state: 'pending', lastStatus: null });
      expect(d.lastError).toMatch(/^refused, nothing sent: .*loopback/);
      const attempts = purna.service.stores.notifier.deliveryAttempts(d.id);
      expect(attempts.length).toBeGreaterThan(0);
      expect(attempts.every((a) => a.status === null && !a.ok)).toBe(true);
    }
    expect(deliveries[0].lastError).toBe(deliveries[1].lastError);
  });

  it('reaches an internal receiver that PURNA_WEBHOOK_ALLOW_HOSTS names', async () => {
    const crm = await receiver('127.0.0.1');
    purna = await startTestPurna({ webhookAllowHosts: ['127.0.0.1'] });
    const admin = await loginAs(purna, 'admin');
    const created = await fetch(`${purna.dashboardUrl}api/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin },
      body: JSON.stringify({ url: `http://127.0.0.1:${crm.port}/crm`, secret: SECRET }),
    });
    expect(created.status).toBe(201);
    purna.service.stores.notifier.enqueue('workOrder.open', { id: 'WO-1' });
    await purna.service.stores.notifier.processDue();
    expect(crm.received.map((h) => h['x-purna-event'])).toEqual(['workOrder.open']);
    expect(purna.service.stores.notifier.listDeliveries()).toMatchObject([{ state: 'delivered', lastStatus: 204 }]);
  });
});
