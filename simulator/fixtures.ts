// Sample payloads for tests, benchmarks and demos against the simulator (valid per tixngo/contract.ts).
import type { InjectionTicketInput, PrivilegeInstanceInput } from '../tixngo/contract';

export interface SampleTicketOptions {
  eventId?: string;
  eventName?: string;
  email?: string;
}

/** A complete, valid injection ticket `${prefix}-${i}`. */
export function sampleTicket(prefix: string, i: number, o: SampleTicketOptions = {}): InjectionTicketInput {
  return {
    ticketId: `${prefix}-${i}`,
    event: {
      id: o.eventId ?? `${prefix}-EV`,
      name: o.eventName ?? 'Sample concert',
      startTime: '2027-06-01T20:00:00+02:00',
      expirationDate: '2027-06-02T02:00:00+02:00',
      address: { site: 'Arena', city: 'Genève', countryCode: 'CH', zip: '1204' },
    },
    purchaseDetails: { price: 50, currency: 'CHF', category: 'ADULT', taxNumber: `${prefix}-TAX-${i}` },
    security: { barcode: `${prefix}-BC-${i}` },
    spectatorDetails: { email: o.email ?? `fan${i}@example.org`, firstName: 'Alex', lastName: `Fan${i}` },
    activationParameters: { method: 'online' },
  };
}

/** A complete, valid privilege instance (membership card) `${prefix}-${i}`. */
export function samplePrivilege(prefix: string, i: number, definitionId = `${prefix}-DEF`): PrivilegeInstanceInput {
  return {
    instanceId: `${prefix}-${i}`,
    privilegeDefinition: { id: definitionId, name: 'Season membership 2027', kind: 'membership' },
    holder: { email: `member${i}@example.org`, firstName: 'Sam', lastName: `Member${i}` },
    barcode: `${prefix}-CARD-${i}`,
  };
}
