// Who may call a service route, and what a signed-in technician may see: shared by every
// room's routes.

import type { FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import type { ServiceDomain } from '../index.ts';
import { forbidden } from '../types.ts';

/** The roles the routes distinguish (the dashboard's Role). */
export type ServiceRole = 'admin' | 'planner' | 'technician';

/** What the routes read of the user an auth plugin puts on `request.user` (the dashboard's User). */
export interface RequestUser {
  id: string;
  role: ServiceRole;
  technicianId?: string | null;
}

export interface ServiceRoutesOptions {
  service: ServiceDomain;
  /**
   * Optional role check: returns a preHandler that rejects a request whose `request.user.role`
   * is not among `roles`. When absent, every route is open (single-user demo). Technician-only
   * checks (a technician may act only on work orders assigned to them) are done here, against
   * `request.user.technicianId`, whenever a user is present.
   */
  authorize?: (roles: ServiceRole[]) => preHandlerHookHandler | preHandlerAsyncHookHandler;
}

export const MANAGE: ServiceRole[] = ['planner', 'admin'];
export const FIELD: ServiceRole[] = ['planner', 'admin', 'technician'];
export const ADMIN: ServiceRole[] = ['admin'];

/**
 * Route options for a role check: `config.roles` for the dashboard's default-deny hook, and the
 * injected `authorize` preHandler when given (either is enough; both agree).
 */
export function guardFor(opts: ServiceRoutesOptions) {
  return (roles: ServiceRole[]) => ({
    config: { roles },
    ...(opts.authorize ? { preHandler: opts.authorize(roles) as preHandlerHookHandler } : {}),
  });
}

/** The signed-in user, if an auth plugin put one on the request. */
export function userOf(request: FastifyRequest): RequestUser | undefined {
  const { user } = request as FastifyRequest & { user?: RequestUser | null };
  return user ?? undefined;
}

/** Who did it, for the work-order history. */
export function actorOf(request: FastifyRequest, fallback = 'api'): string {
  const user = userOf(request);
  return user ? `${user.role}:${user.id}` : fallback;
}

/**
 * The technician a list must be narrowed to: a signed-in technician sees only their own work
 * orders (one without a technician id sees none); others see what they asked for.
 */
export function ownJobsOnly(request: FastifyRequest, asked?: string): string | undefined {
  const user = userOf(request);
  return user?.role === 'technician' ? (user.technicianId ?? '\u0000none') : asked;
}

/** When a technician is signed in, they may touch only the jobs assigned to them. */
export function assertOwnJob(request: FastifyRequest, technicianId: string | null): void {
  const user = userOf(request);
  if (user?.role === 'technician' && (!user.technicianId || user.technicianId !== technicianId)) {
    throw forbidden('this work order is not assigned to you');
  }
}
