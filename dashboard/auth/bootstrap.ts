import type { Logger } from '../../core/log.ts';
import { generatePassword } from './passwords.ts';
import type { UserStore } from './users.ts';

/**
 * The first admin comes from PURNA_ADMIN_EMAIL / PURNA_ADMIN_PASSWORD (or the CLI
 * `node dashboard/create-user.ts`), never from a password written in the code.
 */
export async function ensureAdmin(users: UserStore, email: string, password: string, log: Logger): Promise<void> {
  if (email && password) {
    if (!users.byEmail(email)) {
      try {
        await users.create({ email, name: 'Administrator', role: 'admin', password });
        log.info({ email }, 'first admin created from PURNA_ADMIN_EMAIL');
      } catch (err) {
        // Workers sharing one database (DATABASE_URL) start together: another one created it
        // between the look-up and the insert (its unique e-mail index refused this one).
        if (!users.byEmail(email)) throw err;
      }
    }
    return;
  }
  if (users.count('admin') === 0) {
    log.warn(
      'no admin user: set PURNA_ADMIN_EMAIL and PURNA_ADMIN_PASSWORD, or run `node dashboard/create-user.ts --role admin --email you@example.com`',
    );
  }
}

export const DEMO_PLANNER_EMAIL = 'planner@purna.demo';
export const demoTechnicianEmail = (technicianId: string) => `${technicianId.toLowerCase()}@purna.demo`;

/**
 * Demo mode only (the simulated fleet is on): a planner and one user per technician, all with
 * one password generated at this start and printed once in the start-up banner. Every start
 * generates a new one, so a demo database copied elsewhere carries no usable password.
 */
export async function ensureDemoUsers(
  users: UserStore,
  technicians: readonly { id: string; name: string }[],
): Promise<string> {
  const password = generatePassword();
  const upsert = async (email: string, create: () => Promise<unknown>) => {
    if (users.byEmail(email)) await users.setPassword(email, password);
    else await create();
  };
  await upsert(DEMO_PLANNER_EMAIL, () =>
    users.create({ email: DEMO_PLANNER_EMAIL, name: 'Demo planner', role: 'planner', password }),
  );
  for (const t of technicians) {
    const email = demoTechnicianEmail(t.id);
    await upsert(email, () => users.create({ email, name: t.name, role: 'technician', technicianId: t.id, password }));
  }
  return password;
}
