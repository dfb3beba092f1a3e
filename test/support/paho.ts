// Runs the Eclipse Paho MQTT 3.1.1 interoperability client tests as written (through
// paho_interop.py beside this file) against any broker, for the interop test and bench:paho.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The suite sits beside the repository: /work/shared/paho-interop here, ../shared/paho-interop in CI. */
export const PAHO_SUITE_DIR = fileURLToPath(new URL('../../../shared/paho-interop/interoperability', import.meta.url));
const DRIVER = fileURLToPath(new URL('paho_interop.py', import.meta.url));

export interface PahoResult {
  total: number;
  passed: number;
  /** "test_name: last line of its failure" for each test that did not pass. */
  failed: string[];
}

/** Runs the suite against host:port (about 40 s: it sleeps); resolves with the driver's tally. */
export function runPahoSuite(host: string, port: number, timeoutMs = 240_000): Promise<PahoResult> {
  if (!existsSync(`${PAHO_SUITE_DIR}/client_test.py`))
    return Promise.reject(new Error(`Paho interoperability suite not found at ${PAHO_SUITE_DIR}`));
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [DRIVER, PAHO_SUITE_DIR, host, String(port)], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as PahoResult);
      } catch {
        reject(new Error(`paho driver ended (${signal ?? code}) without a result:\n${out.slice(-4000)}\n${err}`));
      }
    });
  });
}
