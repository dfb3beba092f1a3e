// A real SMTP server for the e-mail tests: Debian's python3-aiosmtpd on a free loopback port,
// writing every accepted message to a temporary directory (see smtp_sink.py), read back and
// parsed with mailparser as a mail client would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';

const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('./smtp_sink.py', import.meta.url).pathname;

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
}

export interface SmtpSink {
  port: number;
  /** Every message received so far, in arrival order. */
  messages(): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const dir = mkdtempSync(join(tmpdir(), 'purna-smtp-'));
  const port = await freePort();
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`SMTP sink did not start within 10 s: ${stderr}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`SMTP sink exited with ${code}: ${stderr}`));
    });
  });
  return {
    port,
    async messages() {
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.eml'))
        .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
      return Promise.all(
        files.map(async (f) => {
          const n = Number.parseInt(f, 10);
          return {
            envelope: JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')),
            mail: await simpleParser(readFileSync(join(dir, f))),
          };
        }),
      );
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
