import type { FastifyInstance } from 'fastify';
import { Server as SocketServer, type Socket } from 'socket.io';
import type { Logger } from '../../core/log.ts';
import { every } from '../../core/periodic.ts';
import type { WorkOrder } from '../../core/types.ts';
import type { AlertBook } from '../alerts/alert-book.ts';
import type { Session, User } from '../auth/users.ts';
import type { DeviceSummary, FleetView } from '../fleet-view.ts';

export interface LiveUpdatesOptions {
  fleet: FleetView;
  log: Logger;
  listWorkOrders: () => WorkOrder[];
  /** The session of a handshake's Cookie header; null refuses the connection. */
  authenticate: (cookieHeader: string | undefined) => Session | null;
  /** Subscribes to ended sessions (logout); returns the unsubscribe. */
  onSessionEnded: (listener: (sessionId: string) => void) => () => void;
  /** The clock sessions expire by, ms. */
  nowMs: () => number;
  /**
   * Deltas are batched into frames this often, ms (default 100): at 10,000 devices at 1 Hz a frame
   * of 250 ms held a reading 125 ms on average before it left, and publish -> DOM p99 was 535 ms;
   * at 100 ms 439-479 ms with the page's main thread 19-20 % busy (bench:dashboard, load ~2).
   */
  frameMs?: number;
  /** The planners' alert list: in the fleet room's snapshot and deltas (technicians do not get it). */
  alerts?: Pick<AlertBook, 'list' | 'takeChanges'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The socket.io server on this instance (for metrics and tests). */
    liveUpdates: SocketServer;
  }
}

const FLEET_ROOM = 'fleet';
const technicianRoom = (id: string) => `technician:${id}`;
const deviceRoom = (id: string) => `device:${id}`;

const seesFleet = (user: User) => user.role === 'admin' || user.role === 'planner';

/** What a client hears, as `session-ended`, just before the server closes its connection. */
export type SessionEndReason = 'session ended' | 'session expired';

/** setTimeout's longest delay (2^31 - 1 ms, 24.8 days); sessions may last 30. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * socket.io on fastify's own HTTP server (STYLE 14), authenticated by the dashboard session
 * cookie. Rooms: `fleet` (planners, admins: every device and work order), `technician:<id>`
 * (a technician's own work orders and their devices), `device:<id>` (a device detail view).
 * A client gets a `snapshot` on connect and whenever it asks with `resync` (after a
 * reconnect), then `delta` frames every `frameMs`. A connection lives no longer than its
 * session (issue 18): logout closes it at once, expiry at the session's expiry, each after a
 * `session-ended` event with the reason.
 */
export function attachLiveUpdates(app: FastifyInstance, opts: LiveUpdatesOptions): SocketServer {
  const io = new SocketServer(app.server, { serveClient: false, cors: { origin: false } });
  app.decorate('liveUpdates', io);

  io.use((socket, next) => {
    const session = opts.authenticate(socket.handshake.headers.cookie);
    if (!session) return next(new Error('login required'));
    socket.data.user = session.user;
    socket.data.session = session;
    next();
  });

  // The sockets of each session, so a logout finds them; each socket's expiry timer.
  const sessionSockets = new Map<string, Set<Socket>>();
  const expiryTimers = new Map<Socket, NodeJS.Timeout>();
  const endConnection = (socket: Socket, reason: SessionEndReason) => {
    socket.emit('session-ended', { reason });
    socket.disconnect(); // a DISCONNECT packet: the client does not reconnect by itself
    socket.conn.close(); // and the transport, once the two packets above are flushed
    opts.log.info({ user: (socket.data.user as User).id, reason }, 'live connection closed with its session');
  };
  const scheduleExpiry = (socket: Socket) => {
    const { expiresAtMs } = socket.data.session as Session;
    const timer = setTimeout(
      () => {
        if (opts.nowMs() >= expiresAtMs) endConnection(socket, 'session expired');
        else scheduleExpiry(socket); // a session longer than one timer's reach
      },
      Math.min(MAX_TIMER_MS, Math.max(0, expiresAtMs - opts.nowMs())),
    );
    timer.unref();
    expiryTimers.set(socket, timer);
  };
  const unsubscribe = opts.onSessionEnded((sessionId) => {
    for (const socket of [...(sessionSockets.get(sessionId) ?? [])]) endConnection(socket, 'session ended');
  });

  const snapshotFor = (user: User) => {
    if (seesFleet(user))
      return { devices: opts.fleet.list(), workOrders: opts.listWorkOrders(), alerts: opts.alerts?.list() ?? [] };
    const workOrders = opts.listWorkOrders().filter((o) => o.technicianId === user.technicianId);
    const deviceIds = new Set(workOrders.map((o) => o.deviceId));
    return { devices: opts.fleet.list().filter((d) => deviceIds.has(d.deviceId)), workOrders, alerts: [] };
  };

  io.on('connection', (socket: Socket) => {
    const user = socket.data.user as User;
    const sessionId = (socket.data.session as Session).id;
    const sockets = sessionSockets.get(sessionId) ?? new Set<Socket>();
    sessionSockets.set(sessionId, sockets.add(socket));
    scheduleExpiry(socket);
    socket.on('disconnect', () => {
      clearTimeout(expiryTimers.get(socket));
      expiryTimers.delete(socket);
      sockets.delete(socket);
      if (sockets.size === 0 && sessionSockets.get(sessionId) === sockets) sessionSockets.delete(sessionId);
    });
    if (seesFleet(user)) socket.join(FLEET_ROOM);
    if (user.technicianId) socket.join(technicianRoom(user.technicianId));
    socket.emit('snapshot', snapshotFor(user));
    socket.on('resync', () => socket.emit('snapshot', snapshotFor(user)));
    socket.on('watch-device', (deviceId: unknown) => {
      if (typeof deviceId !== 'string' || deviceId.length > 64) return;
      // Technicians may watch only devices of their own work orders.
      if (
        !seesFleet(user) &&
        !opts.listWorkOrders().some((o) => o.deviceId === deviceId && o.technicianId === user.technicianId)
      )
        return;
      for (const room of socket.rooms) if (room.startsWith('device:')) socket.leave(room);
      socket.join(deviceRoom(deviceId));
      const d = opts.fleet.get(deviceId);
      if (d) socket.emit('device', d);
    });
  });

  // With several workers (the PostgreSQL adapter, cluster-adapter.ts) `io.to(room)` reaches the
  // browsers of every worker and `io.local.to(room)` only this one's. Devices go to this worker's
  // browsers from its read model, which holds every device: its ingest's share of each device's
  // readings and every worker's verdicts (fleet-sync.ts); sent through PostgreSQL by every worker
  // they would cost a NOTIFY per worker per frame with every device in it, and reach each browser
  // once per worker. Work orders and alerts are made on one worker: they go to every worker's.
  const deltas = every(
    'live updates',
    opts.frameMs ?? 100,
    () => {
      const { devices, workOrders } = opts.fleet.takeChanges();
      const alerts = opts.alerts?.takeChanges() ?? [];
      if (devices.length > 0) io.local.to(FLEET_ROOM).emit('delta', { devices, workOrders: [], alerts: [] });
      if (workOrders.length > 0 || alerts.length > 0)
        io.to(FLEET_ROOM).emit('delta', { devices: [], workOrders, alerts });
      sendToTechnicians(workOrders, devices);
      for (const d of devices) {
        const room = io.sockets.adapter.rooms.get(deviceRoom(d.deviceId));
        if (room && room.size > 0) io.local.to(deviceRoom(d.deviceId)).emit('device', d);
      }
    },
    opts.log,
  );

  function sendToTechnicians(orders: WorkOrder[], devices: DeviceSummary[]): void {
    // A job's change goes to its technician wherever they are connected (few: jobs change rarely).
    const byTechnician = new Map<string, WorkOrder[]>();
    for (const o of orders)
      if (o.technicianId) byTechnician.set(o.technicianId, [...(byTechnician.get(o.technicianId) ?? []), o]);
    for (const [techId, mine] of byTechnician)
      io.to(technicianRoom(techId)).emit('delta', { devices: [], workOrders: mine, alerts: [] });
    // Their devices' changes from this worker's read model, to the technicians connected here.
    if (devices.length === 0) return;
    const technicianIds = new Set<string>();
    for (const room of io.sockets.adapter.rooms.keys())
      if (room.startsWith('technician:')) technicianIds.add(room.slice(11));
    if (technicianIds.size === 0) return;
    const all = opts.listWorkOrders();
    for (const techId of technicianIds) {
      const myDevices = new Set(all.filter((o) => o.technicianId === techId).map((o) => o.deviceId));
      const devs = devices.filter((d) => myDevices.has(d.deviceId));
      if (devs.length) io.local.to(technicianRoom(techId)).emit('delta', { devices: devs, workOrders: [], alerts: [] });
    }
  }

  // preClose, not onClose: sockets must go before fastify closes the HTTP server they hold open.
  // (io.close() would close fastify's server itself, which fastify then closes again.)
  app.addHook('preClose', async () => {
    deltas.stop();
    unsubscribe();
    for (const t of expiryTimers.values()) clearTimeout(t);
    io.disconnectSockets(true);
    io.engine.close();
  });
  return io;
}
