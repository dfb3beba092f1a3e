import type { FastifyInstance } from 'fastify';
import { Server as SocketServer } from 'socket.io';
import type { Logger } from '../../core/log.ts';
import type { WorkOrder } from '../../core/types.ts';
import type { FleetView } from '../fleet-view.ts';

export interface LiveUpdatesOptions {
  fleet: FleetView;
  log: Logger;
  listWorkOrders: () => WorkOrder[];
  /** Deltas are batched into frames this often, ms: 1,000 devices at 1 Hz stay one message per frame. */
  frameMs?: number;
}

/**
 * socket.io on fastify's own HTTP server (STYLE 14). A client gets a `snapshot` on connect
 * (and whenever it asks with `resync`, e.g. after a reconnect), then `delta` frames.
 */
export function attachLiveUpdates(app: FastifyInstance, opts: LiveUpdatesOptions): SocketServer {
  const io = new SocketServer(app.server, { serveClient: false, cors: { origin: false } });
  const snapshot = () => ({ devices: opts.fleet.list(), workOrders: opts.listWorkOrders() });

  io.on('connection', (socket) => {
    socket.join('fleet');
    socket.emit('snapshot', snapshot());
    socket.on('resync', () => socket.emit('snapshot', snapshot()));
  });

  const timer = setInterval(() => {
    const changes = opts.fleet.takeChanges();
    if (changes.devices.length === 0 && changes.workOrders.length === 0) return;
    io.to('fleet').emit('delta', changes);
  }, opts.frameMs ?? 250);
  timer.unref();

  // preClose, not onClose: sockets must go before fastify closes the HTTP server they hold open.
  // (io.close() would close fastify's server itself, which fastify then closes again.)
  app.addHook('preClose', async () => {
    clearInterval(timer);
    io.disconnectSockets(true);
    io.engine.close();
  });
  return io;
}
