// `s360-tixngo interface …`: the S-360 External Printing Interfaces of type TIXNGO (§2.1).
// The API key is read from an environment variable named on the command line (never from argv,
// which other users can see in `ps`), stored encrypted and never printed.
import os from 'node:os';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { Command, InvalidArgumentError, Option } from 'commander';
import { INTERFACE_FUNCTIONS } from '../../common/domain';
import { functionScheduleId } from '../../common/ids';
import { loadConfig, maskUrl } from '../../config';
import { loadSecretKey } from '../../config/secrets';
import type { InterfaceChanges } from '../../db/repo/interfaces';
import { INTERFACE_TYPES, type CustomParams, type InterfaceRow, type InterfaceType } from '../../db/types';
import { ValidationError, checkPrintable, isEmail, normalizeInterfaceUrl, parseCustomParams, validateInterfaceInput } from '../../db/validation';
import { deleteFunctionSchedule } from '../../temporal/schedules';
import { withClient, withRepo } from '../context';
import { CliError, output, table, toCliError } from '../util';

interface AddOptions {
  name: string;
  url: string;
  login: string;
  apiKeyEnv: string;
  notify?: string;
  params?: string;
  settings?: string;
  type: InterfaceType;
  timeZone?: string;
  json?: boolean;
}

/** Reads the API key from the environment variable named by --api-key-env; the messages name the variable only. */
function apiKeyFromEnv(varName: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(varName)) throw new CliError(`--api-key-env: expected an environment variable name, got ${JSON.stringify(varName)}`);
  const apiKey = process.env[varName];
  if (apiKey === undefined || apiKey.trim() === '') throw new CliError(`--api-key-env: environment variable ${varName} is not set or empty`);
  return apiKey;
}

/** Who is recorded in the audit trail: $S360_ACTOR (e.g. set by a wrapper to the person behind a shared account), else the OS user. */
export function actorName(): string {
  let actor = process.env.S360_ACTOR?.trim();
  if (!actor) {
    try {
      actor = os.userInfo().username;
    } catch {
      actor = `uid ${process.getuid?.() ?? 'unknown'}`;
    }
  }
  try {
    checkPrintable('S360_ACTOR', actor);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (actor.length > 200) throw new CliError('S360_ACTOR: at most 200 characters');
  return actor;
}

/** How soon running workers see a change: their interface and credentials cache (activities/context.ts). */
const CACHE_NOTE = '30 s (their interface cache)';

const emailList = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

/** ValidationError (bad input) as a one-line CLI error; anything else as toCliError does. */
function asCliError(err: unknown): Error {
  if (err instanceof ValidationError) return new CliError(err.message);
  return toCliError(err);
}

/** Visibility query literal: the name between single quotes, quotes and backslashes escaped. */
const queryLiteral = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** What in Temporal still uses the interface: its function schedules, and running workflows (functions, tickets, cards) tagged with it. */
async function interfaceUsers(client: Client, name: string): Promise<{ schedules: string[]; running: number }> {
  const schedules: string[] = [];
  for (const fn of INTERFACE_FUNCTIONS) {
    const id = functionScheduleId(fn, name);
    try {
      await client.schedule.getHandle(id).describe();
      schedules.push(id);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  const { count } = await client.workflow.count(`InterfaceName = ${queryLiteral(name)} AND ExecutionStatus = 'Running'`);
  return { schedules, running: count };
}

function parseJsonOption(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`${flag}: not valid JSON (expected an object, e.g. '{"ticketIterationSize":250}')`);
  }
}

/**
 * `--type`: TIXNGO (also as S-360 spells it, `TIXnGO`). The "TixnGO with ticket template" type shapes the JSON with
 * the S-360 Ticket Template Editor, which this bridge does not have: refused rather than injected untemplated.
 */
function interfaceType(value: string): InterfaceType {
  const v = value.trim();
  if (/^tixngo$/i.test(v)) return 'TIXNGO';
  if (/template/i.test(v) || (INTERFACE_TYPES as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(`'${v}': ticket templates are not supported (the payload is built from the S-360 data, §5.4); use --type TIXNGO`);
  }
  throw new InvalidArgumentError(`'${v}': expected TIXNGO`);
}

/** The row as printed: a URL stored before credentials in it were refused shows them masked. */
const masked = (i: InterfaceRow): InterfaceRow => ({ ...i, url: maskUrl(i.url) });

function rowForTable(i: InterfaceRow): Record<string, unknown> {
  return {
    id: i.id,
    name: i.name,
    type: i.type,
    url: maskUrl(i.url),
    login: i.loginEmail,
    notify: i.notificationEmails.join(','),
    params: Object.keys(i.customParams).length ? i.customParams : '',
    batchSizes: Object.entries(i.settings)
      .map(([f, n]) => `${f}=${n}`)
      .join(' '),
  };
}

export function register(program: Command): void {
  const iface = program.command('interface').description('S-360 interfaces to TIXNGO (URL, login, encrypted API key, notification e-mails, custom parameters)');

  iface
    .command('add')
    .description('create an interface; the API key is read from the environment variable named by --api-key-env')
    .requiredOption('--name <name>', 'internal name (unique)')
    .requiredOption('--url <url>', 'TIXNGO API URL, ending with organizer/tickets')
    .requiredOption('--login <email>', 'e-mail of the TIXNGO ADMIN account')
    .requiredOption('--api-key-env <var>', 'name of the environment variable holding the API key (the key itself is never passed on the command line)')
    .option('--notify <emails>', 'comma-separated e-mail addresses notified of errors')
    .option('--params <json>', 'custom parameters as a JSON object of string/number/boolean values')
    .option('--settings <json>', 'batch sizes per function as JSON, e.g. {"PUSH_CONTROLLED":10000}')
    .addOption(new Option('--type <type>', 'interface type: TIXNGO ("TixnGO with ticket template" is refused: ticket templates are not supported)').argParser(interfaceType).default('TIXNGO'))
    .option('--time-zone <zone>', 'IANA time zone in which DD/MM/YY hh:mm dates (--date-from) are read, e.g. Europe/Zurich', 'UTC')
    .option('--json', 'print the result as JSON')
    .action(async (opts: AddOptions) => {
      const config = loadConfig();
      // Everything is checked before the database is opened: a refused command writes nothing.
      const apiKey = apiKeyFromEnv(opts.apiKeyEnv);
      const actor = actorName();
      const input = {
        name: opts.name,
        url: opts.url,
        loginEmail: opts.login,
        apiKey,
        notificationEmails: (opts.notify ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        // validateInterfaceInput checks the shapes; these casts only carry the parsed JSON there.
        customParams: parseJsonOption('--params', opts.params) as Record<string, string | number | boolean> | undefined,
        settings: parseJsonOption('--settings', opts.settings) as Record<string, number> | undefined,
        type: opts.type,
        timeZone: opts.timeZone,
      };
      try {
        validateInterfaceInput(input);
      } catch (err) {
        throw asCliError(err);
      }
      // The key file (when S360_SECRET_KEY is unset) is created only once the database answered.
      const row = await withRepo(config, (repo) => repo.addInterface(input, loadSecretKey(config), actor), { requireMigrated: true });
      output(opts.json, row, () => `interface ${row.name} added (id ${row.id}); API key stored encrypted\n${table([rowForTable(row)])}`);
    });

  iface
    .command('list')
    .description('list the interfaces (everything but the API key)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const rows = await withRepo(config, (repo) => repo.listInterfaces(), { requireMigrated: true });
      output(opts.json, rows.map(masked), () => table(rows.map(rowForTable)));
    });

  iface
    .command('show')
    .description('show one interface (everything but the API key)')
    .argument('<name>', 'interface name')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const config = loadConfig();
      const row = await withRepo(config, (repo) => repo.getInterfaceByName(name), { requireMigrated: true });
      if (!row) throw new CliError(`interface ${name} not found`);
      output(opts.json, masked(row), () =>
        Object.entries(rowForTable(row))
          .map(([k, v]) => `${k.padEnd(11)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join('\n'),
      );
    });

  iface
    .command('update')
    .description('change an interface (validated as add validates a new one; audited); the API key, if given, is read from --api-key-env')
    .argument('<name>', 'interface name')
    .option('--url <url>', 'TIXNGO API URL, ending with organizer/tickets')
    .option('--login <email>', 'e-mail of the TIXNGO ADMIN account')
    .option('--api-key-env <var>', 'name of the environment variable holding a new API key')
    .option('--notify <emails>', "comma-separated e-mail addresses notified of errors ('' removes them all)")
    .option('--params <json>', "custom parameters as a JSON object; replaces them all ('{}' clears them)")
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { url?: string; login?: string; apiKeyEnv?: string; notify?: string; params?: string; json?: boolean }) => {
      const config = loadConfig();
      const changes: InterfaceChanges = {
        url: opts.url,
        loginEmail: opts.login,
        apiKey: opts.apiKeyEnv === undefined ? undefined : apiKeyFromEnv(opts.apiKeyEnv),
        notificationEmails: opts.notify === undefined ? undefined : emailList(opts.notify),
        // updateInterface checks the shape (validateInterfaceInput); the cast only carries the parsed JSON there.
        customParams: parseJsonOption('--params', opts.params) as CustomParams | undefined,
      };
      if (Object.values(changes).every((v) => v === undefined)) throw new CliError('nothing to change: give --url, --login, --api-key-env, --notify or --params');
      // What can be checked alone is checked before the database is opened; the rest (merged with the stored
      // interface) by updateInterface, in the same transaction as the write.
      try {
        if (changes.url !== undefined) normalizeInterfaceUrl(changes.url);
        if (changes.loginEmail !== undefined && !isEmail(changes.loginEmail.trim())) throw new ValidationError('loginEmail', 'expected the e-mail of the TIXNGO ADMIN account');
        const bad = changes.notificationEmails?.find((e) => !isEmail(e));
        if (bad !== undefined) throw new ValidationError('notificationEmails', `not an e-mail address: ${bad}`);
        if (changes.customParams !== undefined) parseCustomParams(changes.customParams);
      } catch (err) {
        throw asCliError(err);
      }
      const actor = actorName();
      const { row, changed } = await withRepo(
        config,
        async (repo) => {
          try {
            return await repo.updateInterface(name, changes, loadSecretKey(config), actor);
          } catch (err) {
            throw asCliError(err);
          }
        },
        { requireMigrated: true },
      );
      output(opts.json, { ...masked(row), changed }, () =>
        changed.length === 0
          ? `interface ${row.name}: nothing changed`
          : `interface ${row.name} updated (${changed.join(', ')}); running workers use it within ${CACHE_NOTE}\n${table([rowForTable(row)])}`,
      );
    });

  iface
    .command('rotate-key')
    .description('replace the TIXNGO API key of an interface (read from the environment variable named by --api-key-env; audited, never printed)')
    .argument('<name>', 'interface name')
    .requiredOption('--api-key-env <var>', 'name of the environment variable holding the new API key')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { apiKeyEnv: string; json?: boolean }) => {
      const config = loadConfig();
      const apiKey = apiKeyFromEnv(opts.apiKeyEnv);
      const actor = actorName();
      const row = await withRepo(
        config,
        async (repo) => {
          try {
            return await repo.rotateInterfaceApiKey(name, apiKey, loadSecretKey(config), actor);
          } catch (err) {
            throw asCliError(err);
          }
        },
        { requireMigrated: true },
      );
      output(opts.json, { name: row.name, id: row.id, rotated: true }, () => `interface ${row.name}: API key replaced and stored encrypted; running workers use it within ${CACHE_NOTE}`);
    });

  iface
    .command('remove')
    .description('remove an interface; refused while function schedules or running workflows use it, or tickets/cards are attached, unless --force')
    .argument('<name>', 'interface name')
    .option('--force', 'remove anyway: delete its function schedules, detach its tickets and cards; running workflows are left to fail')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { force?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const actor = actorName();
      const force = opts.force === true;
      const found = await withRepo(config, (repo) => repo.getInterfaceByName(name), { requireMigrated: true });
      if (!found) throw new CliError(`interface ${name} not found`);
      let users: { schedules: string[]; running: number } | undefined;
      try {
        users = await withClient(config, (client) => interfaceUsers(client, name));
      } catch (err) {
        const why = toCliError(err).message;
        if (!force) throw new CliError(`cannot check whether schedules or workflows use interface ${name} (${why}); --force removes it without checking`);
        process.stderr.write(`warning: Temporal not checked (${why}); its schedules, if any, are left in place\n`);
      }
      if (users && !force && (users.schedules.length > 0 || users.running > 0)) {
        const what = [
          ...(users.schedules.length ? [`schedule(s) ${users.schedules.join(', ')}`] : []),
          ...(users.running ? [`${users.running} running workflow(s) (InterfaceName = ${queryLiteral(name)})`] : []),
        ];
        throw new CliError(`interface ${name} is in use: ${what.join('; ')}; delete the schedules and let the workflows finish, or --force`);
      }
      const res = await withRepo(
        config,
        async (repo) => {
          try {
            return await repo.removeInterface(name, actor, { detach: force });
          } catch (err) {
            throw asCliError(err);
          }
        },
        { requireMigrated: true },
      );
      const deleted: string[] = [];
      if (users?.schedules.length) {
        await withClient(config, async (client) => {
          for (const id of users.schedules) if (await deleteFunctionSchedule(client, id)) deleted.push(id);
        });
      }
      const result = { name, id: res.row.id, removed: true, deletedSchedules: deleted, runningWorkflows: users?.running ?? null, detachedTickets: res.detachedTickets, detachedCards: res.detachedCards };
      output(opts.json, result, () =>
        [
          `interface ${name} removed (id ${res.row.id})`,
          ...(deleted.length ? [`deleted schedule(s): ${deleted.join(', ')}`] : []),
          ...(res.detachedTickets + res.detachedCards ? [`detached ${res.detachedTickets} ticket(s) and ${res.detachedCards} card(s)`] : []),
          ...(users?.running ? [`${users.running} workflow(s) still running for it will fail (unknown interface)`] : []),
        ].join('\n'),
      );
    });

  iface
    .command('audit')
    .description('who added, changed, re-keyed or removed interfaces, and when (never a key)')
    .argument('[name]', 'interface name (also of a removed one); all interfaces when omitted')
    .option('--json', 'print the result as JSON')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const config = loadConfig();
      const rows = await withRepo(config, (repo) => repo.listInterfaceAudit(name), { requireMigrated: true });
      output(opts.json, rows, () => table(rows.map((r) => ({ at: r.at, interface: r.interfaceName, action: r.action, actor: r.actor, detail: r.detail }))));
    });
}
