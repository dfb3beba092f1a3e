// A request with a field its route does not take is a 400 that names the field (issue 18: ajv's
// "body must NOT have additional properties" said where, not which, and a client with a typo
// could not tell). Real requests to a real Purna: a top-level field, one in an array's item,
// and a query parameter; each answer names it in the message and in `problems`.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let cookie: string;

beforeAll(async () => {
  purna = await startTestPurna();
  cookie = await loginAs(purna, 'admin');
});
afterAll(async () => {
  await purna?.destroy();
});

async function send(method: string, path: string, body: unknown, type = 'application/json') {
  const res = await fetch(`${purna.dashboardUrl}api/${path}`, {
    method,
    headers: { cookie, 'content-type': type },
    body: type === 'application/json' ? JSON.stringify(body) : new Uint8Array(body as Buffer),
  });
  return { status: res.status, json: (await res.json()) as { message: string; problems?: { field: string }[] } };
}

it('names a field the body does not take', async () => {
  const r = await send('PATCH', 'auth/me', { language: 'en', colour: 'red' });
  expect(r.status).toBe(400);
  expect(r.json.message).toBe('colour: no such field here (body must NOT have additional properties)');
  expect(r.json.problems).toEqual([
    { field: 'colour', code: 'unknownField', message: r.json.message, params: { name: 'colour' } },
  ]);
});

it('names it with its place inside the body', async () => {
  const r = await send('PUT', 'technicians/T-NEW', {
    name: 'Andi',
    homeLat: -6.2,
    homeLon: 106.8,
    skills: [
      { modelId: '*', mode: '*' },
      { modelId: '*', mode: '*', level: 3 },
    ],
  });
  expect(r.status).toBe(400);
  expect(r.json.message).toMatch(
    /^skills\[1\]\.level: no such field here \(body\/skills\/1 must NOT have additional properties\)$/,
  );
  expect(r.json.problems?.[0].field).toBe('skills[1].level');
  expect(purna.service.network.listTechnicians().some((t) => t.id === 'T-NEW')).toBe(false);
});

it('names a query parameter the route does not take', async () => {
  const r = await send(
    'POST',
    'work-orders/WO-000001/attachments?kind=photo&colour=red',
    Buffer.from([0xff, 0xd8, 0xff]),
    'image/jpeg',
  );
  expect(r.status).toBe(400);
  expect(r.json.message).toMatch(/^querystring\.colour: no such field here/);
});
