import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DEVICE_ID_PATTERN } from '../../core/topics.ts';
import { ACTIVE_STATES } from '../../core/work-order-states.ts';
import { FIELD, guardFor, MANAGE, ownJobsOnly, userOf, type ServiceRoutesOptions } from '../http/access.ts';
import { CsvBody, csvColumns, IdParams, importResponses, Lat, Lon, OneOf, sendImport, Text } from '../http/schemas.ts';
import { CONTRACT_TIERS, type DeviceRecord, forbidden, requireFound } from '../types.ts';

const CustomerBody = Type.Object(
  { name: Text(), email: Type.Optional(Type.String({ format: 'email' })), phone: Type.Optional(Text(40)) },
  { additionalProperties: false },
);

const SiteBody = Type.Object(
  {
    customerId: Text(64),
    name: Text(),
    city: Type.Optional(Type.String({ maxLength: 100 })),
    lat: Lat,
    lon: Lon,
    // Checked against the IANA database by the registry (400 naming timeZone); kept when left out.
    timeZone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'IANA time zone, e.g. Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT); default Asia/Jakarta',
      }),
    ),
  },
  { additionalProperties: false },
);

const DeviceBody = Type.Object(
  {
    deviceId: Type.String({ pattern: DEVICE_ID_PATTERN.source }),
    modelId: Text(64),
    serial: Type.Optional(Text(64)),
    siteId: Type.Optional(Text(64)),
    installDateMs: Type.Optional(Type.Integer()),
    warrantyEndMs: Type.Optional(Type.Integer()),
    contractTier: Type.Optional(OneOf(CONTRACT_TIERS)),
  },
  { additionalProperties: false },
);
const Devices = Type.Object(
  { devices: Type.Array(DeviceBody, { minItems: 1, maxItems: 10000 }) },
  { additionalProperties: false },
);

/**
 * The customers' side of the registry: customers, sites, devices and a device's
 * service record. (GET /devices and /devices/:id/telemetry are the dashboard's.)
 */
export async function customerRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);

  app.get('/customers', { ...guard(MANAGE), schema: { tags: ['network'], summary: 'Customers' } }, async () => ({
    customers: service.customers.listCustomers(),
  }));
  app.put(
    '/customers/:id',
    {
      ...guard(MANAGE),
      schema: { tags: ['network'], summary: 'Create or update a customer', params: IdParams, body: CustomerBody },
    },
    async (request) => ({ customer: service.customers.saveCustomer({ id: request.params.id, ...request.body }) }),
  );

  app.get(
    '/sites',
    { ...guard(MANAGE), schema: { tags: ['network'], summary: 'Customer sites with location' } },
    async () => ({ sites: service.customers.listSites() }),
  );
  app.put(
    '/sites/:id',
    {
      ...guard(MANAGE),
      schema: { tags: ['network'], summary: 'Create or update a site', params: IdParams, body: SiteBody },
    },
    async (request) => ({ site: service.customers.saveSite({ id: request.params.id, city: '', ...request.body }) }),
  );

  app.post(
    '/devices',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['devices'],
        summary: 'Provision devices (idempotent upsert; fields left out keep their stored value)',
        body: Devices,
      },
    },
    async (request) => {
      service.customers.registerDevices(request.body.devices);
      return { devices: request.body.devices.map((d) => service.customers.getDevice(d.deviceId)) };
    },
  );

  app.post(
    '/devices/import',
    {
      ...guard(MANAGE),
      schema: {
        tags: ['devices'],
        summary: `CSV import of devices, all or nothing. ${csvColumns('devices')}`,
        body: CsvBody,
        response: importResponses,
      },
    },
    async (request, reply) => sendImport(reply, service.customers.importCsv('devices', request.body)),
  );

  app.get(
    '/devices/:id/service',
    {
      ...guard(FIELD),
      schema: {
        tags: ['devices'],
        summary:
          "A device's service record: site, customer, warranty, contract, work orders (technicians: devices of their active jobs)",
        params: IdParams,
      },
    },
    async (request) => {
      const device = requireFound(service.customers.getDevice(request.params.id), 'device', request.params.id);
      // A technician needs the site of the device they are sent to, and nothing else.
      const user = userOf(request);
      // A technician account without a technician id is nobody's technician: it must not match the
      // unassigned jobs (null === null).
      const ownsActiveJob = (technicianId: string | null | undefined) =>
        !!technicianId &&
        service.workOrders
          .listWorkOrders({ deviceId: device.id, state: [...ACTIVE_STATES] })
          .some((o) => o.technicianId === technicianId);
      if (user?.role === 'technician' && !ownsActiveJob(user.technicianId)) {
        throw forbidden('not a device of your active work orders');
      }
      // Of the device's history a technician sees only their own jobs, as on GET /work-orders.
      return {
        device,
        siteContact: siteContact(service, device),
        warrantyActive: device.warrantyEndMs >= service.nowMs(),
        workOrders: service.workOrders.listWorkOrders({ deviceId: device.id, technicianId: ownJobsOnly(request) }),
      };
    },
  );
}

/**
 * Whom the technician calls at the site: the first active contact with a phone who looks after
 * this site, else one of the whole customer's, else the customer's own number; null when none is recorded.
 */
function siteContact(
  service: ServiceRoutesOptions['service'],
  device: DeviceRecord,
): { name: string | null; role: string | null; phone: string } | null {
  if (!device.customerId) return null;
  const withPhone = service.customers.listContacts(device.customerId).filter((c) => c.active && c.phone);
  const contact =
    withPhone.find((c) => c.siteId !== null && c.siteId === device.siteId) ?? withPhone.find((c) => c.siteId === null);
  if (contact) return { name: contact.name, role: contact.role, phone: contact.phone! };
  const customer = service.customers.listCustomers().find((c) => c.id === device.customerId);
  return customer?.phone ? { name: customer.name, role: null, phone: customer.phone } : null;
}
