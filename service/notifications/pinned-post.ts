import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { CheckedTarget } from './outbound-address.ts';

/**
 * POSTs `body` to the address that was checked, not to whatever a second DNS lookup would
 * answer (DNS rebinding: a name that resolves to a public address for the check and to
 * 127.0.0.1 for the connection). The Host header and the TLS server name (SNI and certificate
 * check) still carry the URL's host name. Redirects are not followed: a 3xx is the answer, so a
 * receiver cannot bounce the request to an address the policy never saw. Resolves to the
 * status code once the headers arrive; the body is drained and dropped.
 */
export function postPinned(
  target: CheckedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const { url } = target;
  const tls = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      {
        host: target.address,
        family: target.family,
        port: url.port || (tls ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
        // An IP literal gets no SNI (RFC 6066 §3) and is checked against the certificate's IP names.
        servername: tls && !isIP(target.hostname) ? target.hostname : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.on('error', () => undefined);
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
