// The spectator's side of a ticket, driven through the admin API: download, activation, assignment,
// transfer and its acceptance or rejection, each allowed only from the statuses the V3 lifecycle
// permits (§6.5); a refusal is a 409 naming the ticket, the action and its status.
import type { TixngoStatus } from '../../common/domain';
import type { Holder, Person, TixngoTicket } from '../../tixngo/contract';
import { DELETED_STATES, SimHttpError, nowIso, recordChange, setStatus, stateOf, type SimStore, type SimTicket } from './store';

const ACTIVATED_STATES: ReadonlySet<TixngoStatus> = new Set(['ONLINE_ACTIVATED', 'OFFLINE_ACTIVATED', 'BT_ACTIVATED', 'MANUAL_ACTIVATED', 'ACTIVATED']);
/** In a wallet, not activated, not controlled, no transfer pending. */
const IN_WALLET_IDLE: ReadonlySet<TixngoStatus> = new Set(['DOWNLOADED', 'ASSIGNED', 'TRANSFERRED', 'FAILURE_TRANSFER', 'FAILURE', 'DEACTIVATED']);
export const ACTIVATION_METHODS = { ONLINE: 'ONLINE_ACTIVATED', OFFLINE: 'OFFLINE_ACTIVATED', BT: 'BT_ACTIVATED', MANUAL: 'MANUAL_ACTIVATED' } as const;
export type ActivationMethod = keyof typeof ACTIVATION_METHODS;

function walletTicket(s: SimStore, ticketId: string, action: string): SimTicket {
  const t = s.tickets.get(ticketId);
  if (!t) throw new SimHttpError(404, 'NOT_FOUND', `ticket ${ticketId} not found`);
  if (DELETED_STATES.has(t.status)) throw refused(t, action, 'the ticket is deleted');
  return t;
}

export function download(s: SimStore, ticketId: string): TixngoTicket {
  const t = walletTicket(s, ticketId, 'download');
  const at = nowIso();
  if (t.status === 'INJECTED') {
    t.downloaded = true;
    setStatus(s, t, 'DOWNLOADED');
    recordChange(s, t, 'DOWNLOAD', at);
  } else if (t.status === 'CONTROLLED' && !t.downloaded) {
    // Controlled before download: the ticket reaches the wallet with its QR code hidden.
    t.downloaded = true;
    t.history.push({ version: t.version, at, action: 'DOWNLOAD', status: t.status, detail: 'downloaded after control' });
  } else {
    throw refused(t, 'download', t.downloaded ? 'the ticket is already in a wallet' : 'only an INJECTED ticket can be downloaded');
  }
  s.dirty = true;
  return stateOf(t);
}

export function activate(s: SimStore, ticketId: string, method: ActivationMethod = 'ONLINE'): TixngoTicket {
  const t = walletTicket(s, ticketId, 'activate');
  if (!IN_WALLET_IDLE.has(t.status)) {
    const why =
      t.status === 'INJECTED'
        ? 'the ticket is not in a wallet yet'
        : t.status === 'CONTROLLED'
          ? 'a controlled ticket cannot be activated'
          : ACTIVATED_STATES.has(t.status)
            ? 'the ticket is already activated'
            : t.status === 'PENDING_TRANSFER'
              ? 'a transfer is pending'
              : 'not allowed in this status';
    throw refused(t, 'activate', why);
  }
  setStatus(s, t, ACTIVATION_METHODS[method]);
  recordChange(s, t, 'ACTIVATE', nowIso(), method);
  s.dirty = true;
  return stateOf(t);
}

export function assign(s: SimStore, ticketId: string, holder: Holder): TixngoTicket {
  const t = walletTicket(s, ticketId, 'assign');
  if (!IN_WALLET_IDLE.has(t.status)) throw refused(t, 'assign', t.status === 'INJECTED' ? 'the ticket is not in a wallet yet' : 'not allowed in this status');
  t.ticketHolder = holder;
  setStatus(s, t, 'ASSIGNED');
  recordChange(s, t, 'ASSIGN', nowIso());
  s.dirty = true;
  return stateOf(t);
}

export function transfer(s: SimStore, ticketId: string, to: Person): TixngoTicket {
  const t = walletTicket(s, ticketId, 'transfer');
  if (t.status === 'CONTROLLED') throw refused(t, 'transfer', 'a controlled ticket cannot be transferred');
  if (t.status === 'INJECTED') throw refused(t, 'transfer', 'the ticket is not in a wallet yet');
  if (t.status === 'PENDING_TRANSFER') throw refused(t, 'transfer', 'a transfer is already pending');
  if (!IN_WALLET_IDLE.has(t.status) && !ACTIVATED_STATES.has(t.status)) throw refused(t, 'transfer', 'not allowed in this status');
  if (t.walletOwner && t.walletOwner.email.toLowerCase() === to.email.toLowerCase()) throw refused(t, 'transfer', 'the recipient already owns the ticket');
  t.pendingTransferTo = to;
  setStatus(s, t, 'PENDING_TRANSFER');
  recordChange(s, t, 'TRANSFER', nowIso(), `to ${to.email}`);
  s.dirty = true;
  return stateOf(t);
}

export function accept(s: SimStore, ticketId: string): TixngoTicket {
  const t = walletTicket(s, ticketId, 'accept');
  if (t.status !== 'PENDING_TRANSFER' || !t.pendingTransferTo) throw refused(t, 'accept', 'no transfer is pending');
  const to = t.pendingTransferTo;
  t.previousOwner = t.walletOwner;
  t.walletOwner = to;
  const holder: Holder = { email: to.email };
  if (to.firstName !== undefined) holder.firstName = to.firstName;
  if (to.lastName !== undefined) holder.lastName = to.lastName;
  t.ticketHolder = holder;
  t.pendingTransferTo = null;
  t.transferLevel++;
  setStatus(s, t, 'TRANSFERRED');
  recordChange(s, t, 'TRANSFER_ACCEPTED', nowIso(), `owner ${to.email}`);
  s.dirty = true;
  return stateOf(t);
}

export function reject(s: SimStore, ticketId: string): TixngoTicket {
  const t = walletTicket(s, ticketId, 'reject');
  if (t.status !== 'PENDING_TRANSFER') throw refused(t, 'reject', 'no transfer is pending');
  t.pendingTransferTo = null;
  setStatus(s, t, 'FAILURE_TRANSFER');
  recordChange(s, t, 'TRANSFER_REJECTED', nowIso());
  s.dirty = true;
  return stateOf(t);
}

function refused(t: SimTicket, action: string, why: string): SimHttpError {
  return new SimHttpError(409, 'CONFLICT', `cannot ${action} ticket ${t.ticketId}: ${why} (status ${t.status})`);
}
