// Function executions: one row per workflow run, at most one open run per interface and function (§3.6).
import type { Knex } from 'knex';
import type { InterfaceFunction } from '../../common/domain';
import type { ExecutionFinish, ExecutionRow, ExecutionStart } from '../types';
import { NotFoundError } from '../validation';
import { rows, toIds, limitOf, checkFunction, checkInterfaceId, isoOrNull, EXECUTION_COLUMNS, mapExecution, type Conn } from './rows';

/** Records an execution (idempotent per function, workflow id and run id) and returns its id. */
async function insertExecution(db: Conn, e: ExecutionStart): Promise<string> {
  const [r] = await rows<{ id: string }>(
    db,
    `insert into function_execution (interface_id, function, workflow_id, run_id) values (?, ?, ?, ?)
     on conflict (function, workflow_id, run_id) do update set interface_id = excluded.interface_id
     returning id::text as id`,
    [e.interfaceId, e.fn, e.workflowId, e.runId],
  );
  return r!.id;
}

/** Rounds of startExclusiveExecution (decide, ask Temporal, decide again) before it gives up. */
const EXCLUSIVE_START_ROUNDS = 5;

/** Closes open executions whose workflow no longer runs as ERROR, naming the workflow. */
async function closeAbandoned(db: Conn, executions: readonly ExecutionRow[]): Promise<void> {
  if (executions.length === 0) return;
  await db.raw(
    `update function_execution set ended_at = now(), outcome = 'ERROR', error = 'abandoned: workflow ' || workflow_id || ' is no longer running'
     where id = any(?::bigint[]) and ended_at is null`,
    [executions.map((x) => x.id)],
  );
}

export function executionsRepo(knex: Knex) {
  return {
    /** Starts (or, on an activity retry, finds) the execution row of one workflow run; returns its id. */
    async startExecution(e: ExecutionStart): Promise<string> {
      checkInterfaceId(e.interfaceId);
      checkFunction(e.fn);
      return insertExecution(knex, e);
    },

    /**
     * Records the start of an execution unless another execution of the same function on the same interface is still
     * open (not ended, from another workflow id) and `isRunning` says its workflow runs: then returns that one and
     * records nothing. Open executions whose workflow no longer runs (terminated, timed out, lost) are closed as ERROR.
     * The decision is taken under a transaction-scoped advisory lock per (interface, function), so two runs starting at
     * the same moment cannot both pass. `isRunning` (Temporal) is only called between transactions: a slow frontend
     * must hold neither the lock nor a connection (PGlite has one). So a round that finds open executions commits,
     * asks Temporal, and the next round closes those found gone and decides again, with whatever opened meanwhile.
     */
    async startExclusiveExecution(e: ExecutionStart, isRunning: (workflowId: string) => Promise<boolean>): Promise<{ started: string } | { running: ExecutionRow }> {
      checkInterfaceId(e.interfaceId);
      checkFunction(e.fn);
      let gone: ExecutionRow[] = [];
      for (let round = 1; round <= EXCLUSIVE_START_ROUNDS; round++) {
        const decided = await knex.transaction(async (trx): Promise<{ started: string } | { open: ExecutionRow[] }> => {
          await trx.raw(`select pg_advisory_xact_lock(?::int, hashtext(?))`, [e.interfaceId, e.fn]);
          await closeAbandoned(trx, gone);
          const open = (
            await rows(
              trx,
              `select ${EXECUTION_COLUMNS} from function_execution
               where interface_id = ? and function = ? and ended_at is null and workflow_id <> ? order by id`,
              [e.interfaceId, e.fn, e.workflowId],
            )
          ).map(mapExecution);
          return open.length === 0 ? { started: await insertExecution(trx, e) } : { open };
        });
        if ('started' in decided) return decided;
        gone = [];
        for (const x of decided.open) {
          if (await isRunning(x.workflowId)) {
            // No lock needed: the record of a workflow that has ended stays stale whatever happens meanwhile.
            await closeAbandoned(knex, gone);
            return { running: x };
          }
          gone.push(x);
        }
      }
      // Each round sees executions opened since the previous one: only a burst of other starts gets here. Retryable.
      throw new Error(`${e.fn} on interface ${e.interfaceId}: other executions kept opening while this run checked them; try again`);
    },

    /** Ends an execution (idempotent: the first end time is kept). */
    async finishExecution(id: string, f: ExecutionFinish): Promise<void> {
      const [r] = await rows(
        knex,
        `update function_execution set ended_at = coalesce(ended_at, now()), outcome = ?, counts = ?::jsonb, error = ?
         where id = ?::bigint returning id`,
        [f.outcome, JSON.stringify(f.counts ?? {}), f.error ?? null, toIds([id], 'id')[0]!],
      );
      if (!r) throw new NotFoundError(`execution ${id} not found`);
    },

    /**
     * Closes the open executions of a workflow that an operator stopped (cancelled or terminated), as ERROR with
     * `error` saying so: a terminated run cannot close its own, and the next run must not find the lock taken.
     * Returns how many it closed (0 when the run closed it itself).
     */
    async closeStoppedExecutions(workflowId: string, error: string): Promise<number> {
      const r = await rows(
        knex,
        `update function_execution set ended_at = now(), outcome = 'ERROR', error = ? where workflow_id = ? and ended_at is null returning id`,
        [error, workflowId],
      );
      return r.length;
    },

    async listExecutions(opts: { interfaceId?: number | undefined; fn?: InterfaceFunction | undefined; limit?: number | undefined } = {}): Promise<ExecutionRow[]> {
      const where: string[] = ['true'];
      const b: unknown[] = [];
      if (opts.interfaceId !== undefined) {
        where.push('interface_id = ?');
        b.push(checkInterfaceId(opts.interfaceId));
      }
      if (opts.fn !== undefined) {
        where.push('function = ?');
        b.push(checkFunction(opts.fn));
      }
      b.push(limitOf(opts.limit, 50));
      const r = await rows(knex, `select ${EXECUTION_COLUMNS} from function_execution where ${where.join(' and ')} order by started_at desc, id desc limit ?`, b);
      return r.map(mapExecution);
    },

    /** End time of the last execution that ended OK or WARNING (the §3.0 watermark), or null. */
    async lastGoodExecutionEnd(interfaceId: number, fn: InterfaceFunction): Promise<string | null> {
      const [r] = await rows<{ ended_at: unknown }>(
        knex,
        `select max(ended_at) as ended_at from function_execution where interface_id = ? and function = ? and outcome in ('OK', 'WARNING')`,
        [checkInterfaceId(interfaceId), checkFunction(fn)],
      );
      return isoOrNull(r?.ended_at);
    },
  };
}
