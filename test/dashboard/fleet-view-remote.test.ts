// FleetView with several workers (fleet-sync.ts): another worker's verdict enters this worker's
// read model, its snapshots and its deltas; an older verdict never replaces a newer one.
import { expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.ts';
import type { HealthReport } from '../../core/types.ts';
import { FleetView } from '../../dashboard/fleet-view.ts';

const report = (deviceId: string, tsMs: number, score: number): HealthReport => ({
  deviceId,
  tsMs,
  score,
  state: score > 90 ? 'healthy' : 'warning',
  evidence: {},
  explanation: `score ${score}`,
});

it("another worker's verdict: in list() and the next changes; an older one ignored", () => {
  const bus = new EventBus();
  const fleet = new FleetView(bus);
  fleet.start();
  fleet.applyRemoteHealth(report('pump-b', 2000, 55));
  expect(fleet.get('pump-b')?.health?.score).toBe(55);
  expect(fleet.takeChanges().devices.map((d) => d.deviceId)).toEqual(['pump-b']);
  expect(fleet.takeChanges().devices).toEqual([]);

  // A late message (or a previous owner's) with an older device time changes nothing.
  fleet.applyRemoteHealth(report('pump-b', 1000, 99));
  expect(fleet.get('pump-b')?.health?.score).toBe(55);
  expect(fleet.takeChanges().devices).toEqual([]);
  fleet.applyRemoteHealth(report('pump-b', 3000, 97));
  expect(fleet.get('pump-b')?.health?.score).toBe(97);

  // Its own and a remote verdict for one device in one frame: the device once, the newer verdict.
  bus.emit('health', report('pump-a', 5000, 40));
  fleet.applyRemoteHealth(report('pump-a', 6000, 42));
  expect(
    fleet
      .takeChanges()
      .devices.map((d) => d.deviceId)
      .sort(),
  ).toEqual(['pump-a', 'pump-b']);
  expect(fleet.list().map((d) => [d.deviceId, d.health?.score])).toEqual([
    ['pump-a', 42],
    ['pump-b', 97],
  ]);
  fleet.stop();
});
