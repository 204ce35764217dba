// Interfaces (S-360 external printing interfaces): definition, encrypted API key, key rotation, events attached,
// and the audit trail of who changed them (interface_audit, migration 009).
import type { Knex } from 'knex';
import { maskUrl } from '../../config';
import { decryptSecret, encryptSecret, type SecretKey } from '../../config/secrets';
import type { CustomParams, InterfaceCredentials, InterfaceInput, InterfaceRow } from '../types';
import { NotFoundError, ValidationError, validateInterfaceInput } from '../validation';
import { rows, checkInterfaceId, isUniqueViolation, INTERFACE_COLUMNS, mapInterface, type Conn } from './rows';

export type InterfaceAuditAction = 'add' | 'update' | 'rotate-key' | 'remove';

export interface InterfaceAuditRow {
  id: string;
  interfaceId: number;
  interfaceName: string;
  action: InterfaceAuditAction;
  actor: string;
  at: string;
  /** Fields changed with their old and new values (`apiKey: 'changed'`, never a key), or what a removal detached. */
  detail: Record<string, unknown>;
}

/** What `interface update` may change; absent fields stay as they are. */
export interface InterfaceChanges {
  url?: string | undefined;
  loginEmail?: string | undefined;
  apiKey?: string | undefined;
  notificationEmails?: string[] | undefined;
  /** Replaces the custom parameters as a whole (`{}` clears them). */
  customParams?: CustomParams | undefined;
}

/** The interface is still used (tickets or cards attached); nothing was changed. */
export class InterfaceInUseError extends Error {
  override name = 'InterfaceInUseError';
}

/** Stands for the stored key while the other fields of an update are validated; never written. */
const KEPT_KEY = 'kept';

async function audit(conn: Conn, row: { id: number; name: string }, action: InterfaceAuditAction, actor: string, detail: Record<string, unknown>): Promise<void> {
  await conn.raw(`insert into interface_audit (interface_id, interface_name, action, actor, detail) values (?, ?, ?, ?, ?::jsonb)`, [
    row.id,
    row.name,
    action,
    actor,
    JSON.stringify(detail),
  ]);
}

async function lockByName(trx: Knex.Transaction, name: string): Promise<InterfaceRow> {
  const [r] = await rows(trx, `select ${INTERFACE_COLUMNS} from tixngo_interface where name = ? for update`, [name]);
  if (!r) throw new NotFoundError(`interface ${name} not found`);
  return mapInterface(r);
}

function checkApiKey(apiKey: string): void {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') throw new ValidationError('apiKey', 'must not be empty');
}

export function interfacesRepo(knex: Knex) {
  return {
    /** Validates, encrypts the API key and stores the interface. Throws ValidationError naming the field. */
    async addInterface(input: InterfaceInput, secretKey: SecretKey, actor = 'system'): Promise<InterfaceRow> {
      const v = validateInterfaceInput(input);
      try {
        return await knex.transaction(async (trx) => {
          const [r] = await rows(
            trx,
            `insert into tixngo_interface (name, type, url, login_email, api_key_enc, notification_emails, custom_params, settings, time_zone)
             values (?, ?, ?, ?, ?, ?::text[], ?::jsonb, ?::jsonb, ?)
             returning ${INTERFACE_COLUMNS}`,
            [v.name, v.type, v.url, v.loginEmail, encryptSecret(v.apiKey, secretKey), v.notificationEmails, JSON.stringify(v.customParams), JSON.stringify(v.settings), v.timeZone],
          );
          const row = mapInterface(r!);
          await audit(trx, row, 'add', actor, { url: row.url, loginEmail: row.loginEmail, notificationEmails: row.notificationEmails, customParams: row.customParams, timeZone: row.timeZone });
          return row;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ValidationError('name', `an interface named ${v.name} already exists`);
        throw err;
      }
    },

    /**
     * Changes an interface, validated as `addInterface` validates a new one, and audits who changed what (old and new
     * values, the API key only as `changed`). Returns the row and the fields changed (none: nothing written).
     */
    async updateInterface(name: string, changes: InterfaceChanges, secretKey: SecretKey, actor: string): Promise<{ row: InterfaceRow; changed: string[] }> {
      if (changes.apiKey !== undefined) checkApiKey(changes.apiKey);
      return knex.transaction(async (trx) => {
        const cur = await lockByName(trx, name);
        const v = validateInterfaceInput({
          name: cur.name,
          type: cur.type,
          url: changes.url ?? cur.url,
          loginEmail: changes.loginEmail ?? cur.loginEmail,
          apiKey: changes.apiKey ?? KEPT_KEY,
          notificationEmails: changes.notificationEmails ?? cur.notificationEmails,
          customParams: changes.customParams ?? cur.customParams,
          settings: cur.settings,
        });
        const detail: Record<string, unknown> = {};
        const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
        if (changes.url !== undefined && v.url !== cur.url) detail.url = { from: maskUrl(cur.url), to: v.url };
        if (changes.loginEmail !== undefined && v.loginEmail !== cur.loginEmail) detail.loginEmail = { from: cur.loginEmail, to: v.loginEmail };
        if (changes.notificationEmails !== undefined && differs(v.notificationEmails, cur.notificationEmails)) detail.notificationEmails = { from: cur.notificationEmails, to: v.notificationEmails };
        if (changes.customParams !== undefined && differs(v.customParams, cur.customParams)) detail.customParams = { from: cur.customParams, to: v.customParams };
        // A key cannot be compared without decrypting the old one: giving one counts as a change.
        if (changes.apiKey !== undefined) detail.apiKey = 'changed';
        const changed = Object.keys(detail);
        if (changed.length === 0) return { row: cur, changed };
        const [r] = await rows(
          trx,
          `update tixngo_interface set url = ?, login_email = ?, notification_emails = ?::text[], custom_params = ?::jsonb,
             api_key_enc = coalesce(?, api_key_enc)
           where id = ? returning ${INTERFACE_COLUMNS}`,
          [v.url, v.loginEmail, v.notificationEmails, JSON.stringify(v.customParams), changes.apiKey !== undefined ? encryptSecret(changes.apiKey, secretKey) : null, cur.id],
        );
        await audit(trx, cur, 'update', actor, detail);
        return { row: mapInterface(r!), changed };
      });
    },

    /** Replaces the interface's TIXNGO API key (stored encrypted) and audits it; the key itself is in no record. */
    async rotateInterfaceApiKey(name: string, apiKey: string, secretKey: SecretKey, actor: string): Promise<InterfaceRow> {
      checkApiKey(apiKey);
      return knex.transaction(async (trx) => {
        const cur = await lockByName(trx, name);
        await trx.raw(`update tixngo_interface set api_key_enc = ? where id = ?`, [encryptSecret(apiKey, secretKey), cur.id]);
        await audit(trx, cur, 'rotate-key', actor, { apiKey: 'changed' });
        return cur;
      });
    },

    /**
     * Removes an interface with its feedback cursor, error log and executions (foreign keys cascade). Tickets and
     * cards attached to it stay in S-360: with `detach` they lose their interface (and its processed markers go), so
     * that another interface can take them; without it their presence refuses the removal (InterfaceInUseError).
     */
    async removeInterface(name: string, actor: string, opts: { detach: boolean }): Promise<{ row: InterfaceRow; detachedTickets: number; detachedCards: number }> {
      return knex.transaction(async (trx) => {
        const cur = await lockByName(trx, name);
        const [n] = await rows<{ tickets: string; cards: string }>(
          trx,
          `select (select count(*) from ticket where interface_id = ?) as tickets, (select count(*) from card where interface_id = ?) as cards`,
          [cur.id, cur.id],
        );
        const tickets = Number(n?.tickets ?? 0);
        const cards = Number(n?.cards ?? 0);
        if (tickets + cards > 0 && !opts.detach) {
          throw new InterfaceInUseError(`interface ${name} still has ${tickets} ticket(s) and ${cards} card(s) attached; --force detaches them (they stay in S-360 without an interface)`);
        }
        await trx.raw(`update ticket set interface_id = null, updated_at = now() where interface_id = ?`, [cur.id]);
        await trx.raw(`update card set interface_id = null, updated_at = now() where interface_id = ?`, [cur.id]);
        await trx.raw(`delete from processing_marker where interface_id = ?`, [cur.id]);
        await trx.raw(`delete from tixngo_interface where id = ?`, [cur.id]);
        await audit(trx, cur, 'remove', actor, { detachedTickets: tickets, detachedCards: cards });
        return { row: cur, detachedTickets: tickets, detachedCards: cards };
      });
    },

    /** The audit trail, oldest first: of one interface (by name, also once removed) or of all. */
    async listInterfaceAudit(name?: string): Promise<InterfaceAuditRow[]> {
      const r = await rows<{ id: string; interface_id: number; interface_name: string; action: InterfaceAuditAction; actor: string; at: Date | string; detail: Record<string, unknown> }>(
        knex,
        `select id::text as id, interface_id, interface_name, action, actor, at, detail from interface_audit
         ${name === undefined ? '' : 'where interface_name = ?'} order by id`,
        name === undefined ? [] : [name],
      );
      return r.map((x) => ({
        id: x.id,
        interfaceId: Number(x.interface_id),
        interfaceName: x.interface_name,
        action: x.action,
        actor: x.actor,
        at: new Date(x.at).toISOString(),
        detail: x.detail,
      }));
    },

    async listInterfaces(): Promise<InterfaceRow[]> {
      return (await rows(knex, `select ${INTERFACE_COLUMNS} from tixngo_interface order by id`)).map(mapInterface);
    },

    async getInterfaceByName(name: string): Promise<InterfaceRow | undefined> {
      const [r] = await rows(knex, `select ${INTERFACE_COLUMNS} from tixngo_interface where name = ?`, [name]);
      return r ? mapInterface(r) : undefined;
    },

    async getInterfaceById(id: number): Promise<InterfaceRow | undefined> {
      const [r] = await rows(knex, `select ${INTERFACE_COLUMNS} from tixngo_interface where id = ?`, [checkInterfaceId(id)]);
      return r ? mapInterface(r) : undefined;
    },

    /** The decrypted credentials, for the TIXNGO client only. Never log the result. */
    async getInterfaceCredentials(interfaceId: number, secretKey: SecretKey | readonly SecretKey[]): Promise<InterfaceCredentials> {
      const [r] = await rows<{ url: string; login_email: string; api_key_enc: string }>(
        knex,
        `select url, login_email, api_key_enc from tixngo_interface where id = ?`,
        [checkInterfaceId(interfaceId)],
      );
      if (!r) throw new NotFoundError(`interface ${interfaceId} not found`);
      return { url: r.url, login: r.login_email, apiKey: decryptSecret(r.api_key_enc, secretKey) };
    },

    /** Re-encrypts every API key with `newKey` (key rotation); `oldKeys` must include the keys in use. Returns the count. */
    async reencryptApiKeys(oldKeys: readonly SecretKey[], newKey: SecretKey): Promise<number> {
      return knex.transaction(async (trx) => {
        const all = await rows<{ id: number; api_key_enc: string }>(trx, `select id, api_key_enc from tixngo_interface for update`);
        const updates = all.map((r) => ({ id: r.id, enc: encryptSecret(decryptSecret(r.api_key_enc, [...oldKeys, newKey]), newKey) }));
        if (updates.length === 0) return 0;
        await trx.raw(
          `update tixngo_interface i set api_key_enc = u.enc from jsonb_to_recordset(?::jsonb) as u(id integer, enc text) where i.id = u.id`,
          [JSON.stringify(updates)],
        );
        return updates.length;
      });
    },

    /** Attaches every ticket and card of an event without interface to the interface; returns the ticket count. */
    async attachEventToInterface(eventCode: string, interfaceId: number): Promise<number> {
      const r = await rows(
        knex,
        `update ticket t set interface_id = ?, updated_at = now() from performance p
         where p.id = t.performance_id and p.code = ? and t.interface_id is null returning t.id`,
        [checkInterfaceId(interfaceId), eventCode],
      );
      return r.length;
    },
  };
}
