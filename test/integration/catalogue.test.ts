// Bring your own products (issue 15), on a real Purna: a manufacturer's booster pump created
// through the API, its devices held to what the model declares over real MQTT, live edits as new
// versions announced on the bus, bad input answered with each problem named, a model in use not
// deleted, and imports all or nothing with line numbers.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueChange } from '../../core/product-catalogue.ts';
import { topics } from '../../core/topics.ts';
import { boosterPump } from '../service/helpers.ts';
import { connectDevice, eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let planner: string;
let technician: string;
const changes: CatalogueChange[] = [];

beforeAll(async () => {
  // Devices authenticate with their provisioned tokens, as in production.
  purna = await startTestPurna({ mqttAuth: 'token' });
  purna.bus.on('catalogueChanged', (c) => changes.push(c));
  planner = await loginAs(purna, 'planner');
  purna.service.stores.network.upsertDepot({ id: 'D-1', name: 'Depot', city: 'Jakarta', lat: -6.2, lon: 106.8 });
  purna.service.stores.network.upsertTechnician({
    id: 'T-1',
    name: 'Budi',
    homeLat: -6.2,
    homeLon: 106.8,
    depotId: 'D-1',
    skills: [{ modelId: '*', mode: '*' }],
  });
  technician = await loginAs(purna, 'technician', 'T-1');
});
afterAll(async () => {
  await purna?.destroy();
});

async function api(
  path: string,
  opts: { method?: string; body?: unknown; text?: string; type?: string; cookie?: string } = {},
) {
  const headers: Record<string, string> = { cookie: opts.cookie ?? planner };
  let body: string | undefined;
  if (opts.text !== undefined) {
    body = opts.text;
    headers['content-type'] = opts.type ?? 'text/csv';
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${purna.dashboardUrl}api/${path}`, { method: opts.method ?? 'GET', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe('the catalogue over REST', () => {
  it('creates a booster pump: 201 with the version and a warning for a part no depot holds; anyone signed in reads it', async () => {
    const created = await api('catalogue/models', { method: 'POST', body: boosterPump() });
    expect(created.status).toBe(201);
    expect(created.json.model).toMatchObject({
      id: 'booster-b40',
      version: 1,
      updatedBy: expect.stringMatching(/^planner:/),
    });
    expect(created.json.warnings).toEqual([
      {
        field: 'failureModes[0].parts[0].sku',
        code: 'partNotStocked',
        message: "part 'B40-SEAL-KIT' is not in the inventory yet",
        params: { sku: 'B40-SEAL-KIT' },
      },
    ]);
    expect(changes.at(-1)).toMatchObject({ change: 'created', model: { id: 'booster-b40', version: 1 } });

    const list = await api('catalogue/models', { cookie: technician });
    expect(list.status).toBe(200);
    expect(list.json.models.map((m: { id: string }) => m.id)).toEqual([
      'booster-b40',
      'compressor-c75',
      'motor-m15',
      'pump-p200',
    ]);
    expect(
      (await api('catalogue/models/booster-b40', { cookie: technician })).json.model.metrics.map(
        (m: { unit: string }) => m.unit,
      ),
    ).toEqual(['bar', 'L/min', 'A', '°C']);
    // Technicians read, they do not change.
    expect(
      (await api('catalogue/models', { method: 'POST', body: { ...boosterPump(), id: 'other-1' }, cookie: technician }))
        .status,
    ).toBe(403);
    expect((await api('catalogue/models', { method: 'POST', body: boosterPump() })).status).toBe(409);
  });

  it('answers a bad model with a 400 naming each problem', async () => {
    const bad = { ...boosterPump(), id: 'booster-bad' };
    bad.metrics = bad.metrics.map((m) => ({ ...m }));
    bad.metrics[0].normalRange = [6, 3];
    bad.metrics[1].unit = 'gal/min' as never;
    bad.failureModes = [{ ...bad.failureModes[0], signature: [{ metric: 'torque', direction: 'up' }] }];
    const r = await api('catalogue/models', { method: 'POST', body: bad });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(r.json.problems).toEqual(
      expect.arrayContaining([
        {
          field: 'metrics[0].normalRange',
          code: 'rangeOrder',
          message: 'min 6 must be below max 3',
          params: { min: 6, max: 3 },
        },
        expect.objectContaining({
          field: 'metrics[1].unit',
          code: 'unknownUnit',
          message: expect.stringMatching(/^unknown unit 'gal\/min'; one of mm\/s, in\/s/),
        }),
        {
          field: 'failureModes[0].signature[0].metric',
          code: 'noSuchMetric',
          message: "the model has no metric 'torque'",
          params: { metric: 'torque' },
        },
      ]),
    );
    expect(r.json.message).toMatch(/metrics\[0\]\.normalRange min 6 must be below max 3; /);
    // The shape is the schema's: a wrong type is a 400 naming the field, before any meaning is judged.
    const shape = await api('catalogue/models', {
      method: 'POST',
      body: { ...boosterPump(), id: 'booster-x', warrantyMonths: 'two years' },
    });
    expect(shape.status).toBe(400);
    expect(shape.json.message).toMatch(/warrantyMonths/);
    expect((await api('catalogue/models/booster-bad')).status).toBe(404);
  });

  it('a live edit is a new version with who and when, announced on the bus; an edit from an old version is a 409', async () => {
    const before = changes.length;
    const { json: current } = await api('catalogue/models/booster-b40');
    const edited = {
      ...current.model,
      metrics: current.model.metrics.map((m: { name: string }) =>
        m.name === 'pressure' ? { ...m, ratedLimits: { lower: 1.8 } } : m,
      ),
    };
    const r = await api('catalogue/models/booster-b40', { method: 'PUT', body: edited });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      changed: true,
      model: { version: 2, metrics: [{ name: 'pressure', ratedLimits: { lower: 1.8 } }, {}, {}, {}] },
    });
    expect(changes.slice(before).map((c) => [c.change, c.model.version, c.model.metrics[0].ratedLimits.lower])).toEqual(
      [['updated', 2, 1.8]],
    );
    const stale = await api('catalogue/models/booster-b40', {
      method: 'PUT',
      body: { ...edited, name: 'B40 renamed' },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toMatch(/version mismatch: product model 'booster-b40' is at version 2, not 1/);
    const versions = await api('catalogue/models/booster-b40/versions', { cookie: technician });
    expect(
      versions.json.versions.map((v: { change: string; model: { version: number } }) => [v.change, v.model.version]),
    ).toEqual([
      ['created', 1],
      ['updated', 2],
    ]);
    expect((await api('catalogue/models/booster-b40/versions/1')).json.model.metrics[0].ratedLimits).toEqual({
      lower: 2,
    });
  });

  it('deleting a model that devices use is a 409 naming how many', async () => {
    purna.service.customers.registerDevices([
      { deviceId: 'booster-0001', modelId: 'booster-b40' },
      { deviceId: 'booster-0002', modelId: 'booster-b40' },
    ]);
    const r = await api('catalogue/models/booster-b40', { method: 'DELETE' });
    expect(r.status).toBe(409);
    expect(r.json.message).toBe("product model 'booster-b40' is used by 2 devices; move them to another model first");
    expect((await api('catalogue/models/booster-b40')).json).toMatchObject({ model: { version: 2 }, devices: 2 });
  });

  it('imports JSON all or nothing, naming each problem with its line', async () => {
    const a = { ...boosterPump(), id: 'booster-b60', name: 'Booster pump B60' };
    const b = {
      ...boosterPump(),
      id: 'booster-b80',
      name: 'Booster pump B80',
      metrics: [{ ...boosterPump().metrics[0], physicalRange: [16, 0] }],
    };
    const text = JSON.stringify({ models: [a, b] }, null, 2);
    const bad = await api('catalogue/import', { method: 'POST', text, type: 'application/json' });
    expect(bad.status).toBe(422);
    expect(bad.json.committed).toBe(false);
    const lineOfB = text.split('\n').findIndex((l) => l.includes('"booster-b80"'));
    // The second model starts on the line before its id.
    expect(bad.json.errors).toEqual(
      expect.arrayContaining([
        {
          line: lineOfB,
          modelId: 'booster-b80',
          field: 'metrics[0].physicalRange',
          code: 'rangeOrder',
          message: 'min 16 must be below max 0',
          params: { min: 16, max: 0 },
        },
      ]),
    );
    expect(bad.json.errors.every((e: { line: number }) => e.line === lineOfB)).toBe(true);
    expect((await api('catalogue/models/booster-b60')).status).toBe(404);

    const good = await api('catalogue/import', { method: 'POST', text: JSON.stringify([a]), type: 'application/json' });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({
      format: 'json',
      models: 1,
      created: 1,
      updated: 0,
      unchanged: 0,
      committed: true,
      errors: [],
    });
    const again = await api('catalogue/import', {
      method: 'POST',
      text: JSON.stringify([a]),
      type: 'application/json',
    });
    expect(again.json).toMatchObject({ created: 0, unchanged: 1, committed: true });
    const broken = await api('catalogue/import', {
      method: 'POST',
      text: '[\n  {"id": "x",\n  }\n]',
      type: 'application/json',
    });
    expect(broken.status).toBe(422);
    expect(broken.json.errors[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^not valid JSON/) });
  });

  it('imports CSV (one row per model, metric, failure mode and part) all or nothing, with line numbers', async () => {
    const header =
      'record,modelId,mode,name,kind,unit,physicalMin,physicalMax,normalMin,normalMax,ratedLower,ratedUpper,signature,skill,repairHours,sku,quantity,warrantyMonths,serviceDays,runningMetric,stoppedBelow';
    const rows = [
      'model,chiller-x1,,Chiller X1,chiller,,,,,,,,,,,,,24,90,current,1',
      'metric,chiller-x1,,current,,A,0,100,20,40,,60,,,,,,,,,',
      'metric,chiller-x1,,supply_temp,,°C,-40,60,4,8,,12,,,,,,,,,',
      'failure_mode,chiller-x1,refrigerant_leak,Refrigerant leak,,,,,,,,,supply_temp:up;current:up,refrigeration,4,,,,,,',
      'part,chiller-x1,refrigerant_leak,Refrigerant R-134a 10 kg,,,,,,,,,,,,R134A-10,2,,,,',
    ];
    const badRows = [...rows];
    badRows[2] = 'metric,chiller-x1,,supply_temp,,furlong,-40,60,4,8,,12,,,,,,,,,'; // line 4
    badRows.push('failure_mode,chiller-x1,fouling,Condenser fouling,,,,,,,,,head_pressure:up,cleaning,2,,,,,,'); // line 7
    badRows.push('part,chiller-x1,compressor_burnout,Compressor,,,,,,,,,,,,CMP-1,1,,,,'); // line 8
    const bad = await api('catalogue/import', { method: 'POST', text: [header, ...badRows].join('\n') });
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: { line: number; field?: string }) => [e.line, e.field ?? null])).toEqual([
      [8, null],
    ]);
    expect(bad.json.errors[0].message).toMatch(/no failure_mode row 'compressor_burnout'/);
    badRows.pop();
    const bad2 = await api('catalogue/import', { method: 'POST', text: [header, ...badRows].join('\r\n') });
    expect(bad2.json.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([
      [4, 'metrics[1].unit'],
      [7, 'failureModes[1].signature[0].metric'],
    ]);
    expect((await api('catalogue/models/chiller-x1')).status).toBe(404);

    const good = await api('catalogue/import', { method: 'POST', text: [header, ...rows].join('\n') });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ format: 'csv', created: 1, committed: true });
    expect(good.json.warnings).toEqual([
      {
        line: 6,
        modelId: 'chiller-x1',
        field: 'failureModes[0].parts[0].sku',
        code: 'partNotStocked',
        message: "part 'R134A-10' is not in the inventory yet",
        params: { sku: 'R134A-10' },
      },
    ]);
    expect((await api('catalogue/models/chiller-x1')).json.model).toMatchObject({
      kind: 'chiller',
      running: { metric: 'current', stoppedBelow: 1 },
      serviceInterval: { days: 90 },
      metrics: [
        { name: 'current', unit: 'A', ratedLimits: { upper: 60 } },
        { name: 'supply_temp', unit: '°C', physicalRange: [-40, 60] },
      ],
      failureModes: [
        {
          id: 'refrigerant_leak',
          signature: [
            { metric: 'supply_temp', direction: 'up' },
            { metric: 'current', direction: 'up' },
          ],
          parts: [{ sku: 'R134A-10', quantity: 2 }],
        },
      ],
    });
    // A shifted row says so rather than importing nonsense.
    const shifted = await api('catalogue/import', {
      method: 'POST',
      text: `${header}\nmetric,chiller-x1,,current,A,,0,100,20,40,,60,,,,,,,,,`,
    });
    expect(shifted.json.errors[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/kind does not apply to a metric row/),
    });
  });
});

/** Provisions a device through the API and connects it with its token, listening to its errors topic. */
async function provisionedDevice(
  target: TestPurna,
  cookie: string,
  id: string,
  modelId: string,
): Promise<{ client: MqttClient; reasons: string[]; send: (values: object) => Promise<unknown> }> {
  const res = await fetch(`${target.dashboardUrl}api/devices/provision`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ devices: [{ id, modelId }] }),
  });
  expect(res.status).toBe(201);
  const { devices } = (await res.json()) as { devices: { token: string }[] };
  const client = await connectDevice(target.mqttUrl, id, { username: id, password: devices[0].token });
  const reasons: string[] = [];
  client.on('message', (_topic, payload) => reasons.push((JSON.parse(payload.toString()) as { error: string }).error));
  await client.subscribeAsync(topics.errors(id), { qos: 1 });
  return {
    client,
    reasons,
    send: (values) => client.publishAsync(topics.telemetry(id), JSON.stringify(values), { qos: 1 }),
  };
}

describe('the device contract: what the model declares, in its units and ranges', () => {
  it('accepts the metrics a booster pump declares, rejects one it does not with a reason on the errors topic, and a reading its sensor cannot make as a sensor fault', async () => {
    const { client, reasons, send } = await provisionedDevice(purna, planner, 'booster-0101', 'booster-b40');
    const t0 = Date.now() - 60_000;
    await send({ ts: t0, values: { pressure: 4.2, flow: 80, current: 15.5, temperature: 41 } });
    await eventually(() => purna.fleetView.get('booster-0101')?.latest.pressure === 4.2);
    expect(purna.fleetView.get('booster-0101')!.latest).toEqual({
      pressure: 4.2,
      flow: 80,
      current: 15.5,
      temperature: 41,
    });
    expect(reasons).toEqual([]);

    await send({ ts: t0 + 1000, values: { pressure: 4.1, flow_rate: 3 } });
    await eventually(() => reasons.length === 1);
    expect(reasons[0]).toBe(
      'metric "flow_rate" is not declared by booster-b40 (version 2), which declares pressure, flow, current, temperature: message rejected',
    );
    expect(purna.ingest.stats.rejectedByKind.undeclared_metric).toBe(1);
    // The model's sensor ranges, in its units: 20 bar is more than this pressure sensor reads.
    await send({ ts: t0 + 2000, values: { pressure: 20, flow: 80 } });
    await eventually(() => reasons.length === 2);
    expect(reasons[1]).toBe(
      'pressure 20 bar is outside what the sensor can read on booster-b40 (0…16 bar): sensor fault, message rejected',
    );

    await purna.writer.flush();
    const stored = await purna.store.query('booster-0101', t0 - 1, t0 + 10_000, 100);
    expect(stored.map((r) => r.values)).toEqual([{ pressure: 4.2, flow: 80, current: 15.5, temperature: 41 }]);
    await client.endAsync();
  });

  it('a live edit holds from the next message: a metric added, a range widened, no restart; the version goes with it', async () => {
    const { client, reasons, send } = await provisionedDevice(purna, planner, 'booster-0102', 'booster-b40');
    const t0 = Date.now() - 60_000;
    await send({ ts: t0, values: { pressure: 4, vibration: 1.1 } });
    await eventually(() => reasons.length === 1);
    expect(reasons[0]).toMatch(/^metric "vibration" is not declared by booster-b40 \(version 2\)/);

    const { json } = await api('catalogue/models/booster-b40');
    const edited = {
      ...json.model,
      metrics: [
        ...json.model.metrics.map((m: { name: string }) =>
          m.name === 'pressure' ? { ...m, physicalRange: [0, 25] } : m,
        ),
        {
          name: 'vibration',
          unit: 'mm/s',
          physicalRange: [0, 50],
          normalRange: [0, 2.8],
          ratedLimits: { upper: 7.1 },
          machineClass: 'II',
        },
      ],
    };
    const before = changes.length;
    const put = await api('catalogue/models/booster-b40', { method: 'PUT', body: edited });
    expect(put.status).toBe(200);
    expect(
      changes.slice(before).map((c) => [c.change, c.model.version, c.model.metrics.map((m) => m.name).join(',')]),
    ).toEqual([['updated', 3, 'pressure,flow,current,temperature,vibration']]);

    await send({ ts: t0 + 1000, values: { pressure: 20, vibration: 1.1 } });
    await eventually(() => purna.fleetView.get('booster-0102')?.latest.vibration === 1.1);
    expect(purna.fleetView.get('booster-0102')!.latest).toEqual({ pressure: 20, vibration: 1.1 });
    expect(reasons).toHaveLength(1);
    await client.endAsync();
  });
});

describe('undeclared metrics stored, not judged (PURNA_UNDECLARED_METRICS=store)', () => {
  it('keeps the undeclared metric in the store; analytics and the live view see only what the model declares', async () => {
    const other = await startTestPurna({ mqttAuth: 'token', undeclaredMetrics: 'store' });
    try {
      const cookie = await loginAs(other, 'planner');
      const created = await fetch(`${other.dashboardUrl}api/catalogue/models`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(boosterPump()),
      });
      expect(created.status).toBe(201);
      const { client, reasons, send } = await provisionedDevice(other, cookie, 'booster-0201', 'booster-b40');
      const t0 = Date.now() - 60_000;
      await send([
        { ts: t0, values: { pressure: 4.2, flow_rate: 3 } },
        { ts: t0 + 1000, values: { debug_counter: 7 } },
      ]);
      await other.writer.flush();
      await eventually(async () => (await other.store.query('booster-0201', t0 - 1, t0 + 10_000, 100)).length === 2);
      expect((await other.store.query('booster-0201', t0 - 1, t0 + 10_000, 100)).map((r) => r.values)).toEqual([
        { pressure: 4.2, flow_rate: 3 },
        { debug_counter: 7 },
      ]);
      await eventually(() => other.fleetView.get('booster-0201')?.latest.pressure === 4.2);
      expect(other.fleetView.get('booster-0201')!.latest).toEqual({ pressure: 4.2 });
      expect(other.analytics.metricNames('booster-0201')).toEqual(['pressure']);
      expect(reasons).toEqual([]);
      await client.endAsync();
    } finally {
      await other.destroy();
    }
  });
});
