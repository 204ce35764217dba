// Digital privileges (§3.5): instances injected with their definition, definitions updated in place.
import type { z } from 'zod';
import {
  issuesToItemErrors,
  privilegeInstanceInputSchema,
  type InjectPrivilegesResponse,
  type PrivilegeDefinition,
  type PrivilegeInstanceState,
  type PrivilegeItemResult,
  type SearchPrivilegesResponse,
} from '../../tixngo/contract';
import { idOf, namedErrors, nowIso, personOf, type SimDefinition, type SimStore } from './store';

export function injectPrivileges(s: SimStore, raws: readonly Record<string, unknown>[]): InjectPrivilegesResponse {
  const at = nowIso();
  const definitionsCreated: string[] = [];
  const results = raws.map((raw, index): PrivilegeItemResult => {
    const parsed = privilegeInstanceInputSchema.safeParse(raw);
    if (!parsed.success) {
      const instanceId = idOf(raw, 'instanceId', index);
      return { instanceId, outcome: 'REJECTED', reason: 'INVALID', errors: namedErrors(instanceId, issuesToItemErrors(parsed.error), 'instance') };
    }
    const { instanceId, privilegeDefinition, holder, linkedTicketIds, ...data } = parsed.data;
    const existing = s.instances.get(instanceId);
    if (existing && existing.definitionId !== privilegeDefinition.id) {
      return {
        instanceId,
        outcome: 'REJECTED',
        reason: 'CONFLICT',
        status: existing.status,
        errors: [{ field: 'privilegeDefinition.id', message: `instance ${instanceId} belongs to privilege definition ${existing.definitionId}` }],
      };
    }
    s.dirty = true;
    const definitionCreated = upsertDefinition(s, privilegeDefinition, at);
    if (definitionCreated) definitionsCreated.push(privilegeDefinition.id);
    if (!existing) {
      s.instances.set(instanceId, {
        instanceId,
        definitionId: privilegeDefinition.id,
        status: 'INJECTED',
        holder: personOf(holder),
        linkedTicketIds: linkedTicketIds ?? [],
        injectedAt: at,
        updatedAt: at,
        version: 1,
        injectCount: 1,
        data,
      });
      s.definitions.get(privilegeDefinition.id)!.instanceCount++;
      return { instanceId, outcome: 'ACCEPTED', status: 'INJECTED', created: true, definitionCreated };
    }
    existing.injectCount++;
    existing.data = data;
    existing.linkedTicketIds = linkedTicketIds ?? existing.linkedTicketIds;
    existing.holder = personOf(holder);
    existing.updatedAt = at;
    existing.version++;
    return { instanceId, outcome: 'ACCEPTED', status: existing.status, created: false, definitionCreated };
  });
  return { results, definitionsCreated };
}

function upsertDefinition(s: SimStore, def: z.infer<typeof privilegeInstanceInputSchema>['privilegeDefinition'], at: string): boolean {
  const { id, name, description, kind, validFrom, validUntil, imageUrl, ...details } = def;
  const existing = s.definitions.get(id);
  const fields = { name, description, kind, validFrom, validUntil, imageUrl };
  if (!existing) {
    const created: SimDefinition = { id, name, instanceCount: 0, createdAt: at, updatedAt: at, version: 1, details };
    assignDefined(created, fields);
    s.definitions.set(id, created);
    return true;
  }
  // "Later runs create nothing new unless the digital privilege itself changed" (§3.5): update in place.
  const before = JSON.stringify([existing.name, existing.description, existing.kind, existing.validFrom, existing.validUntil, existing.imageUrl, existing.details]);
  assignDefined(existing, fields);
  existing.details = details;
  const after = JSON.stringify([existing.name, existing.description, existing.kind, existing.validFrom, existing.validUntil, existing.imageUrl, existing.details]);
  if (before !== after) {
    existing.version++;
    existing.updatedAt = at;
  }
  return false;
}

export function getDefinition(s: SimStore, id: string): PrivilegeDefinition | undefined {
  const d = s.definitions.get(id);
  if (!d) return undefined;
  const { details: _details, ...pub } = d;
  return pub;
}

export function searchPrivileges(s: SimStore, ids: readonly string[]): SearchPrivilegesResponse {
  const instances: PrivilegeInstanceState[] = [];
  const notFoundIds: string[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const i = s.instances.get(id);
    if (!i) {
      notFoundIds.push(id);
      continue;
    }
    const { injectCount: _c, data: _d, ...pub } = i;
    instances.push(pub);
  }
  return { instances, notFound: notFoundIds };
}

function assignDefined<T extends object>(target: T, fields: Partial<T>): void {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
}
