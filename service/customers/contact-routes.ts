import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LANGUAGES } from '../../core/i18n/index.ts';
import { guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import {
  CsvBody,
  csvColumns,
  IdParams,
  importResponses,
  OneOf,
  sendImport,
  StringOrNull,
  Text,
} from '../http/schemas.ts';
import { CUSTOMER_CHANNELS } from '../types.ts';

const TimeOfDay = Type.String({ pattern: '^([01]?\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, 24-hour' });

// Phone and e-mail are checked by the domain (libphonenumber-js; a strict address check), the
// same checks as the CSV import, so both say the same about the same input.
const ContactBody = Type.Object(
  {
    customerId: Text(64),
    siteId: Type.Optional(StringOrNull(64)),
    name: Text(),
    role: Type.Optional(StringOrNull(100)),
    // Any common spelling; stored as E.164. An Indonesian number may leave out +62 (0812 …).
    phone: Type.Optional(StringOrNull(40)),
    email: Type.Optional(StringOrNull(254)),
    preferredChannel: Type.Optional(OneOf(CUSTOMER_CHANNELS, 'default: email when an address is given, else whatsapp')),
    language: Type.Optional(OneOf(LANGUAGES, 'id (default) or en: the language of every notice and page they get')),
    // No notices from..to in the site's time zone (may wrap midnight); null: none.
    quietHours: Type.Optional(
      Type.Union([Type.Object({ from: TimeOfDay, to: TimeOfDay }, { additionalProperties: false }), Type.Null()]),
    ),
    receivesNotices: Type.Optional(Type.Boolean({ description: 'false: on the record, but sent no notices' })),
  },
  { additionalProperties: false },
);

/** The customer's page and the people at each customer Purna talks to. */
export async function contactRoutes(scope: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['customers'];

  app.get(
    '/customers/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: "A customer's record: sites, contacts, devices with warranty, work orders, ratings",
        params: IdParams,
      },
    },
    async (request) => service.customers.customerRecord(request.params.id),
  );

  app.get(
    '/customers/:id/contacts',
    {
      ...guard(MANAGE),
      schema: { tags, summary: 'The contacts of a customer (site contacts and customer-wide ones)', params: IdParams },
    },
    async (request) => ({ contacts: service.customers.listContacts(request.params.id) }),
  );

  app.post(
    '/customers/:id/contacts',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'Add a contact to a customer (Purna picks the id; the same checks as PUT /contacts/:id)',
        params: IdParams,
        body: Type.Omit(ContactBody, ['customerId']),
      },
    },
    async (request, reply) =>
      reply.code(201).send({ contact: service.customers.addContact(request.params.id, request.body) }),
  );

  app.get(
    '/contacts/:id',
    { ...guard(MANAGE), schema: { tags, summary: 'One contact', params: IdParams } },
    async (request) => ({ contact: service.customers.getContact(request.params.id) }),
  );

  app.put(
    '/contacts/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'Create or replace a contact (a bad phone, e-mail, channel or quiet hours is a 400 naming the field)',
        description:
          'The preferred channel needs its address: an e-mail address for email, a mobile number for whatsapp and sms.',
        params: IdParams,
        body: ContactBody,
      },
    },
    async (request) => ({ contact: service.customers.saveContact(request.params.id, request.body) }),
  );

  app.delete(
    '/contacts/:id',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: 'Remove a contact (kept on the record with their messages; no more notices)',
        params: IdParams,
      },
    },
    async (request, reply) => {
      service.customers.removeContact(request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/contacts/import',
    {
      ...guard(MANAGE),
      schema: {
        tags,
        summary: `CSV import of contacts, all or nothing, each bad row reported with its line number. ${csvColumns('contacts')}`,
        description:
          "quietFrom/quietTo are HH:MM in the site's time zone; receivesNotices yes/no; the same checks as PUT /contacts/:id.",
        body: CsvBody,
        response: importResponses,
      },
    },
    async (request, reply) => sendImport(reply, service.customers.importCsv('contacts', request.body)),
  );
}
