import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyInstance } from 'fastify';
import { LANGUAGES, type Language } from '../../../core/i18n/index.ts';
import type { UserStore } from '../../auth/users.ts';

/**
 * The signed-in user's own preferences: PATCH /api/auth/me { language } (GET /api/auth/me is
 * the auth plugin's). Any signed-in user, for themselves only.
 */
export async function meRoutes(api: FastifyInstance, opts: { users: UserStore }): Promise<void> {
  api.patch<{ Body: { language: Language | null } }>(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set the language the dashboard speaks to you (null: your browser’s)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['language'],
          properties: { language: { anyOf: [{ type: 'string', enum: [...LANGUAGES] }, { type: 'null' }] } },
        },
      },
    },
    async (request) => ({ user: opts.users.setLanguage(request.user!.id, request.body.language) }),
  );
}
