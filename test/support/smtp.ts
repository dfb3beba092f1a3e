// A real SMTP server for the e-mail tests: Debian's python3-aiosmtpd on a free loopback port,
// writing every accepted message to a temporary directory (see smtp_sink.py), read back and
// parsed with mailparser as a mail client would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

export async function startSmtpSink(): Promise<SmtpSink> {
  const dir = mkdtempSync(join(tmpdir(), 'purna-smtp-'));
  // Port 0: the sink binds any free port and says which ('ready <port>').
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, '0', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`SMTP sink did not start within 10 s: ${stderr}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      const ready = /ready (\d+)\n/.exec(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve(Number(ready[1]));
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
