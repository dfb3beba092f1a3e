// Creates a dashboard user: node dashboard/create-user.ts --email E --role admin|planner|technician [--technician-id T] [--name N]
// The password is read from stdin (never a flag: flags end up in shell history and `ps`).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { UserStore, type Role } from './auth/users.ts';

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    'technician-id': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help || !values.email || !values.role) {
  console.error(
    'usage: echo "$PASSWORD" | node dashboard/create-user.ts --email E --role admin|planner|technician [--technician-id T] [--name N]',
  );
  process.exit(values.help ? 0 : 2);
}
const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const password = Buffer.concat(chunks)
  .toString('utf8')
  .replace(/\r?\n$/, '');
const config = loadConfig(process.env, []);
const users = new UserStore(join(config.dataDir, 'users.db'), systemClock, config.databaseUrl);
try {
  const user = await users.create({
    email: values.email,
    name: values.name,
    role: values.role as Role,
    password,
    technicianId: values['technician-id'] ?? null,
  });
  console.log(`created ${user.role} ${user.email} (${user.id})`);
} catch (err) {
  console.error(`purna: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  users.close();
}
