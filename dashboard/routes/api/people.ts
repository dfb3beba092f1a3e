import type {} from '@fastify/swagger'; // route schema fields (tags, summary) for the OpenAPI document
import type { FastifyInstance } from 'fastify';
import type { UserStore } from '../../auth/users.ts';

/**
 * Who the dashboard's users are, by name: a work order's history records its actor as
 * `role:userId` (service/http/access.ts actorOf), and a planner reads names, not ids. Planners
 * only (technicians see their own jobs, not the staff list); no emails or languages.
 */
export async function peopleRoutes(api: FastifyInstance, opts: { users: UserStore }): Promise<void> {
  api.get(
    '/people',
    {
      config: { roles: ['planner'] },
      schema: {
        tags: ['auth'],
        summary: "The dashboard's users by name (the actors of work-order histories)",
        response: {
          200: {
            type: 'object',
            required: ['people'],
            properties: {
              people: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'name', 'role', 'technicianId'],
                  properties: {
                    id: { type: 'string' },
                    name: { type: 'string' },
                    role: { type: 'string' },
                    technicianId: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      people: opts.users
        .list()
        .map((u) => ({ id: u.id, name: u.name || u.email, role: u.role, technicianId: u.technicianId })),
    }),
  );
}
