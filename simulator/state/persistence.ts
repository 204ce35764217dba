// Saving and loading the simulator's state (`--persist FILE`): one JSON document holding the
// tickets, events, change log, injection counters and privileges; the indexes are rebuilt on load.
import fs from 'node:fs';
import path from 'node:path';
import type { DiffEntry } from '../../tixngo/contract';
import { scheduleDeletionSweep } from './deletion';
import { countStatus, type SimDefinition, type SimEvent, type SimInstance, type SimStore, type SimTicket } from './store';

export interface PersistedState {
  format: 's360-tixngo-simulator/1';
  tickets: SimTicket[];
  events: SimEvent[];
  log: DiffEntry[];
  injections: [string, [string, number][]][];
  definitions: SimDefinition[];
  instances: SimInstance[];
}

export function toPersisted(s: SimStore): PersistedState {
  return {
    format: 's360-tixngo-simulator/1',
    tickets: [...s.tickets.values()],
    events: [...s.events.values()],
    log: s.log,
    injections: [...s.injections].map(([p, m]) => [p, [...m]]),
    definitions: [...s.definitions.values()],
    instances: [...s.instances.values()],
  };
}

/** Loads into an empty store, then arms the confirmation of the deletions still pending. */
export function loadPersisted(s: SimStore, p: PersistedState): void {
  if (p.format !== 's360-tixngo-simulator/1') throw new Error(`unknown simulator state format: ${String(p.format)}`);
  for (const t of p.tickets) {
    s.tickets.set(t.ticketId, t);
    countStatus(s, undefined, t.status);
    if (t.injectCount > 1) s.reinjectedTickets++;
    if (t.status === 'DELETION_PENDING') s.pendingDeletions.set(t.ticketId, t.deletionRequestedAt ?? Date.now());
  }
  for (const e of p.events) s.events.set(e.id, e);
  for (const entry of p.log) s.log.push(entry);
  for (const [period, entries] of p.injections) s.injections.set(period, new Map(entries));
  for (const d of p.definitions) s.definitions.set(d.id, d);
  for (const i of p.instances) s.instances.set(i.instanceId, i);
  // Keep request order of pending deletions.
  const pending = [...s.pendingDeletions].sort((a, b) => a[1] - b[1]);
  s.pendingDeletions.clear();
  for (const [id, at] of pending) s.pendingDeletions.set(id, at);
  s.dirty = false;
  scheduleDeletionSweep(s);
}

/** The state saved in a file; undefined when the file does not exist yet. */
export function readStateFile(file: string): PersistedState | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
}

/** Saves through a temp file and a rename, so a crash mid-write leaves the previous save intact. */
export function writeStateFile(s: SimStore, file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(toPersisted(s)));
  fs.renameSync(tmp, file);
  s.dirty = false;
}
