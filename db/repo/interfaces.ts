// Interfaces (S-360 external printing interfaces): definition, encrypted API key, key rotation, events attached.
import type { Knex } from 'knex';
import { decryptSecret, encryptSecret, type SecretKey } from '../../config/secrets';
import type { InterfaceCredentials, InterfaceInput, InterfaceRow } from '../types';
import { NotFoundError, ValidationError, validateInterfaceInput } from '../validation';
import { rows, checkInterfaceId, isUniqueViolation, INTERFACE_COLUMNS, mapInterface } from './rows';

export function interfacesRepo(knex: Knex) {
  return {
    /** Validates, encrypts the API key and stores the interface. Throws ValidationError naming the field. */
    async addInterface(input: InterfaceInput, secretKey: SecretKey): Promise<InterfaceRow> {
      const v = validateInterfaceInput(input);
      try {
        const [r] = await rows(
          knex,
          `insert into tixngo_interface (name, type, url, login_email, api_key_enc, notification_emails, custom_params, settings, time_zone)
           values (?, ?, ?, ?, ?, ?::text[], ?::jsonb, ?::jsonb, ?)
           returning ${INTERFACE_COLUMNS}`,
          [v.name, v.type, v.url, v.loginEmail, encryptSecret(v.apiKey, secretKey), v.notificationEmails, JSON.stringify(v.customParams), JSON.stringify(v.settings), v.timeZone],
        );
        return mapInterface(r!);
      } catch (err) {
        if (isUniqueViolation(err)) throw new ValidationError('name', `an interface named ${v.name} already exists`);
        throw err;
      }
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
