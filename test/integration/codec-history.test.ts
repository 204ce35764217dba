// What Temporal stores: a real injection and feedback on the real stack, holders with known names and e-mails, then
// the RAW histories read over a plain gRPC Connection (no data converter, no codec) for the function workflows and
// several ticket workflows. No holder name or e-mail and no API key may appear in them (searched in the protobuf
// bytes as stored and in their JSON form); every payload outside the search attributes carries the codec's
// encryption metadata; failure messages are encrypted too, while the codec client still reads them.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { getPayloadCodec } from '../../codec/data-converter';
import { ENCODING_ENCRYPTED } from '../../codec/encryption-codec';
import { ticketWorkflowId } from '../../common/ids';
import { seed } from '../../db/seed';
import { getStateQuery } from '../../workflows/messages';
import { createStack, eventually, type Stack } from '../helpers/stack';

const tag = crypto.randomBytes(3).toString('hex');
const API_KEY = `pii-test-api-key-${crypto.randomBytes(8).toString('hex')}`;
const TICKETS = 8;
// Distinctive on purpose: a hit can only come from this test's data.
const holders = Array.from({ length: TICKETS }, (_, i) => ({
  first: `Wilhelmina${tag}${i}`,
  last: `Oppenheimerova${tag}${i}`,
  email: `w.oppenheimerova.${tag}.${i}@holders.example`,
}));
const newOwner = { firstName: `Barnaby${tag}`, lastName: `Quillfeather${tag}`, email: `b.quillfeather.${tag}@owners.example` };
const personal = [...holders.flatMap((h) => [h.first, h.last, h.email]), newOwner.firstName, newOwner.lastName, newOwner.email];

let s: Stack;
let ids: string[];

before(async () => {
  s = await createStack({ sim: { apiKey: API_KEY }, apiKey: API_KEY });
  const res = await seed(s.db.knex, { eventCode: `PII${tag}`, tickets: TICKETS, interfaceName: s.interfaceName });
  ids = Array.from({ length: TICKETS }, (_, i) => String(BigInt(res.firstTicketId!) + BigInt(i)));
  for (const [i, id] of ids.entries()) {
    await s.db.knex('ticket').where({ id }).update({ holder_first_name: holders[i]!.first, holder_last_name: holders[i]!.last, holder_email: holders[i]!.email });
  }
  // One ticket TIXNGO refuses (no e-mail): its rejection travels to its ticket workflow.
  await s.db.knex('ticket').where({ id: ids[1] }).update({ holder_email: null });
});
after(async () => {
  await s?.close();
});

/** The raw history, over the plain Connection: nothing decoded. */
async function rawHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await s.env.connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId }, nextPageToken, maximumPageSize: 500 });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

type RawPayload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };
/**
 * Every payload of the history with its path. Apart: search attributes (plain by design: ids and statuses) and the
 * SDK's patch markers (`patch-data`: a patch id written by Core, outside the codec); the byte search covers them.
 */
function payloads(v: unknown, at = '', out: { at: string; p: RawPayload }[] = []): { at: string; p: RawPayload }[] {
  if (!v || typeof v !== 'object' || v instanceof Uint8Array) return out;
  if ('metadata' in v && 'data' in v && (v as RawPayload).data instanceof Uint8Array) {
    out.push({ at, p: v as RawPayload });
    return out;
  }
  for (const [k, child] of Object.entries(v)) {
    if (k === 'searchAttributes' || k === 'patch-data') continue;
    payloads(child, `${at}.${k}`, out);
  }
  return out;
}

test('raw histories hold no holder name or e-mail and no API key; payloads carry the encryption metadata', { timeout: 180_000 }, async () => {
  const injection = await s.run('inject', { batchSize: 3 });
  assert.equal(injection.succeeded, TICKETS - 1);
  assert.equal(injection.failed, 1);
  // Wallet life at TIXNGO, then feedback brings the new owner into S-360 (names travel through the activity only).
  const moved = ids[4]!;
  await s.simAdmin('POST', `/__sim/wallet/${moved}/download`);
  await s.simAdmin('POST', `/__sim/wallet/${moved}/transfer`, { to: newOwner });
  await s.simAdmin('POST', `/__sim/wallet/${moved}/accept`);
  const feedback = await s.run('feedback', { batchSize: 5 });
  assert.equal(feedback.outcome, 'OK');
  const mobile = await s.db.knex('mobile_ticket').where({ ticket_id: moved }).first();
  assert.equal(mobile.wallet_owner.email, newOwner.email, 'the new owner reached S-360');

  // A run that fails: its failure message must be stored encrypted, yet readable through the codec client.
  const failed = await s.run('inject', { interfaceName: `unknown${tag}` }).then(
    () => assert.fail('a run on an unknown interface fails'),
    (e: unknown) => e,
  );
  assert.ok(failed instanceof WorkflowFailedError);
  assert.match(String(failed.cause?.message), /unknown interface/, 'the codec client decodes the failure message');

  const ticketIds = [ids[0]!, ids[1]!, moved, ids[TICKETS - 1]!];
  for (const id of ticketIds) {
    await eventually(`ticket ${id} processed its events`, () => s.client.workflow.getHandle(ticketWorkflowId(id)).query(getStateQuery).catch(() => undefined), (st) =>
      id === moved ? st?.tixngoStatus === 'TRANSFERRED' : id === ids[1] ? st?.needsAttention === true : st?.step === 'INJECTED',
    );
  }

  const workflowIds = [`injection-${s.interfaceName}`, `feedback-${s.interfaceName}`, `injection-unknown${tag}`, ...ticketIds.map(ticketWorkflowId)];
  const codec = getPayloadCodec();
  let encrypted = 0;
  for (const wid of workflowIds) {
    const history = await rawHistory(wid);
    assert.ok((history.events?.length ?? 0) > 2, `${wid}: a history`);
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    const json = historyToJSON(history);
    for (const secret of [...personal, API_KEY]) {
      assert.ok(!bytes.includes(Buffer.from(secret, 'utf8')), `${wid}: '${secret}' in the stored bytes`);
      assert.ok(!json.includes(secret), `${wid}: '${secret}' in the history JSON`);
    }
    assert.ok(!json.includes('unknown interface'), `${wid}: a failure message in clear`);
    // The search works on this data: what is plain by design (workflow ids, search attributes) is found.
    assert.ok(bytes.includes(Buffer.from(wid)), `${wid}: its own id found in the raw bytes`);

    const found = payloads(history.events);
    assert.ok(found.length > 0, `${wid}: payloads`);
    for (const { at, p } of found) {
      const encoding = p.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString() : undefined;
      assert.equal(encoding, ENCODING_ENCRYPTED, `${wid}${at}: payload not encrypted (${encoding})`);
      assert.equal(Buffer.from(p.metadata!['encryption-key-id']!).toString(), codec.keyId, `${wid}${at}: key id`);
      encrypted++;
    }
  }
  assert.ok(encrypted >= 30, `${encrypted} encrypted payloads checked`);

  // Positive control: with the key, the same raw payloads decrypt to the ids the workflows carry.
  const raw = await rawHistory(ticketWorkflowId(ids[0]!));
  const started = raw.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  assert.ok(started);
  const clear = Buffer.from((await codec.decode([started]))[0]!.data!).toString();
  assert.match(clear, new RegExp(`"ticketId":"${ids[0]}"`));
});
