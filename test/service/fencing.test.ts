// The service store checks the lease a dispatch was judged under (issue 20, fencing): a worker
// that lost its partition cannot open or cancel a job once the next owner has dispatched.
import { describe, expect, it } from 'vitest';
import type { FencingToken } from '../../core/types.ts';
import { dispatchRequest, makeService, seedSmallNetwork } from './helpers.ts';

const fence = (revision: number, workerId: string): FencingToken => ({ partition: 3, revision, workerId });

describe('dispatch fencing', () => {
  it('refuses a dispatch or cancel under an older lease revision than its partition has seen', () => {
    const { service, bus } = makeService();
    seedSmallNetwork(service, { jakartaBearingKits: 5 });
    const wo = service.workOrders;

    // The old owner (revision 5) dispatches, then the partition moves to worker-b (revision 7).
    expect(wo.handleDispatch({ ...dispatchRequest('pump-jkt-1'), fencing: fence(5, 'worker-a') }).created).toBe(true);
    const b = wo.handleDispatch({ ...dispatchRequest('pump-jkt-2'), fencing: fence(7, 'worker-b') });
    expect(b.created).toBe(true);

    // The old owner, paused past its lease, wakes up and dispatches: refused, nothing opened.
    expect(() => wo.handleDispatch({ ...dispatchRequest('pump-bdg-1'), fencing: fence(5, 'worker-a') })).toThrow(
      /refused: worker-b dispatched under revision 7/,
    );
    bus.emit('dispatch', { ...dispatchRequest('pump-bdg-1'), fencing: fence(6, 'worker-a') });
    expect(wo.listWorkOrders().filter((o) => o.deviceId === 'pump-bdg-1')).toEqual([]);

    // Nor can it withdraw the new owner's job; the new owner can.
    expect(
      wo.handleDispatchCancel({
        deviceId: 'pump-jkt-2',
        mode: 'bearing_wear',
        tsMs: 0,
        reason: 'x',
        fencing: fence(5, 'worker-a'),
      }),
    ).toBeNull();
    expect(wo.getWorkOrder(b.order.id)?.state).not.toBe('cancelled');
    expect(
      wo.handleDispatchCancel({
        deviceId: 'pump-jkt-2',
        mode: 'bearing_wear',
        tsMs: 0,
        reason: 'x',
        fencing: fence(7, 'worker-b'),
      })?.state,
    ).toBe('cancelled');

    // Another partition has its own fence; a dispatch without a token (one process) is not fenced.
    expect(
      wo.handleDispatch({
        ...dispatchRequest('pump-bdg-1'),
        fencing: { partition: 4, revision: 1, workerId: 'worker-a' },
      }).created,
    ).toBe(true);
    expect(wo.handleDispatch(dispatchRequest('pump-bdg-1', 'cooling_failure')).created).toBe(true);
    service.stop();
  });
});
