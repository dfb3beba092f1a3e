import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { guardFor, MANAGE, type ServiceRoutesOptions } from '../http/access.ts';
import { OneOf } from '../http/schemas.ts';
import { badRequest, ServiceError } from '../types.ts';
import { mailbox, whatsappMessages, type InboundChannel } from './inbound.ts';

/** A webhook body is small: Meta batches a few messages; a reply by e-mail is text only. */
const INBOUND_BODY_LIMIT = 1024 * 1024;

const WhatsAppWebhook = Type.Object(
  {
    object: Type.Literal('whatsapp_business_account'),
    entry: Type.Array(
      Type.Object({
        id: Type.Optional(Type.String()),
        changes: Type.Array(Type.Object({ field: Type.String(), value: Type.Object({}) })),
      }),
      { maxItems: 100 },
    ),
  },
  { description: 'The WhatsApp Business Cloud API webhook, as Meta posts it (messages and statuses)' },
);
const VerifyQuery = Type.Object({
  'hub.mode': Type.Optional(Type.String({ maxLength: 32 })),
  'hub.verify_token': Type.Optional(Type.String({ maxLength: 200 })),
  'hub.challenge': Type.Optional(Type.String({ maxLength: 200 })),
});
const InboundEmail = Type.Object(
  {
    messageId: Type.String({
      minLength: 1,
      maxLength: 998,
      description: 'the Message-ID header: a message is filed once',
    }),
    from: Type.String({
      minLength: 3,
      maxLength: 400,
      description: 'the From header: "Name <address>" or the address',
    }),
    to: Type.Optional(Type.String({ maxLength: 400 })),
    subject: Type.Optional(Type.String({ maxLength: 998 })),
    text: Type.String({ maxLength: 200_000, description: 'the text part; the quoted message under the reply is cut' }),
    receivedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const InboundQuery = Type.Object(
  {
    outcome: Type.Optional(OneOf(['attached', 'opened', 'unplaced', 'unknown_sender'] as const)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

const SIGNATURE_HEADER: Record<InboundChannel, string> = {
  whatsapp: 'x-hub-signature-256',
  email: 'x-purna-signature',
};
const SETTING: Record<InboundChannel, string> = {
  whatsapp: 'PURNA_WHATSAPP_APP_SECRET',
  email: 'PURNA_INBOUND_EMAIL_SECRET',
};

/**
 * What customers send in: the WhatsApp Cloud API webhook and an inbound-mail relay's POST. Public
 * (the signature is the authorisation: an HMAC-SHA256 of the exact bytes received, so the body is
 * kept raw until it is checked); each message goes to the customers room's inbox.
 */
export async function inboundRoutes(parent: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { service } = opts;
  const guard = guardFor(opts);
  const tags = ['inbound'];
  await parent.register(async (scope) => {
    const raw = new WeakMap<FastifyRequest, Buffer>();
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: INBOUND_BODY_LIMIT },
      (request, body: Buffer, done) => {
        raw.set(request, body);
        try {
          done(null, JSON.parse(body.toString('utf8')));
        } catch {
          done(badRequest('body: not JSON'));
        }
      },
    );
    const signed = (channel: InboundChannel) => async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers[SIGNATURE_HEADER[channel]];
      const verdict = service.customers.checkInboundSignature(
        channel,
        raw.get(request) ?? Buffer.alloc(0),
        typeof header === 'string' ? header : undefined,
      );
      if (verdict === 'unconfigured')
        throw new ServiceError(503, 'Service Unavailable', `inbound ${channel} is off: ${SETTING[channel]} is not set`);
      if (verdict === 'bad')
        return reply.code(401).send({
          statusCode: 401,
          error: 'Unauthorized',
          message: `${SIGNATURE_HEADER[channel]}: missing or not the HMAC-SHA256 of the body with the configured secret`,
        });
    };
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/inbound',
      {
        ...guard(MANAGE),
        schema: {
          tags,
          summary:
            'Messages that came in by outcome, newest first (default unknown_sender: from addresses no contact has, kept apart from every customer)',
          querystring: InboundQuery,
        },
      },
      async (request) => ({ messages: service.customers.inboundMessages(request.query) }),
    );

    app.get(
      '/inbound/whatsapp',
      {
        config: { public: true },
        schema: {
          tags,
          summary:
            "Meta's webhook verification: echoes hub.challenge when hub.mode is subscribe and hub.verify_token is PURNA_WHATSAPP_VERIFY_TOKEN; 403 otherwise",
          querystring: VerifyQuery,
        },
      },
      async (request, reply) => {
        const q = request.query;
        const challenge = service.customers.whatsappChallenge(q['hub.mode'], q['hub.verify_token'], q['hub.challenge']);
        if (challenge === null)
          return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'hub.verify_token: not ours' });
        return reply.type('text/plain; charset=utf-8').send(challenge);
      },
    );

    app.post(
      '/inbound/whatsapp',
      {
        config: { public: true },
        preValidation: signed('whatsapp'),
        schema: {
          tags,
          summary:
            "WhatsApp messages from customers (Cloud API webhook; X-Hub-Signature-256: sha256=HMAC-SHA256(app secret, body)). Each text goes on the sender's open job, or opens a customer-reported one, or becomes a follow-up; statuses are passed over. 401 bad signature, 503 not configured",
          body: WhatsAppWebhook,
        },
      },
      async (request) => {
        const filed = whatsappMessages(request.body).map((m) => service.customers.receiveMessage(m));
        return { received: filed.map((m) => ({ id: m.id, outcome: m.outcome, workOrderId: m.workOrderId })) };
      },
    );

    app.post(
      '/inbound/email',
      {
        config: { public: true },
        preValidation: signed('email'),
        schema: {
          tags,
          summary:
            "A customer's e-mail as an inbound-mail relay posts it (X-Purna-Signature: sha256=HMAC-SHA256(PURNA_INBOUND_EMAIL_SECRET, body)); filed like a WhatsApp message, once per Message-ID. 401 bad signature, 503 not configured",
          body: InboundEmail,
        },
      },
      async (request) => {
        const b = request.body;
        const from = mailbox(b.from);
        const m = service.customers.receiveMessage({
          channel: 'email',
          providerMessageId: b.messageId,
          from: from.address,
          fromName: from.name,
          subject: b.subject ?? null,
          text: b.text,
          receivedAtMs: b.receivedAt ? Date.parse(b.receivedAt) : undefined,
        });
        return { id: m.id, outcome: m.outcome, workOrderId: m.workOrderId };
      },
    );
  });
}
