// `s360-tixngo interface …`: the S-360 External Printing Interfaces of type TIXNGO (§2.1).
// The API key is read from an environment variable named on the command line (never from argv,
// which other users can see in `ps`), stored encrypted and never printed.
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, maskUrl } from '../../config';
import { loadSecretKey } from '../../config/secrets';
import { INTERFACE_TYPES, type InterfaceRow, type InterfaceType } from '../../db/types';
import { ValidationError, validateInterfaceInput } from '../../db/validation';
import { withRepo } from '../context';
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
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.apiKeyEnv)) throw new CliError(`--api-key-env: expected an environment variable name, got ${JSON.stringify(opts.apiKeyEnv)}`);
      const apiKey = process.env[opts.apiKeyEnv];
      if (apiKey === undefined || apiKey.trim() === '') throw new CliError(`--api-key-env: environment variable ${opts.apiKeyEnv} is not set or empty`);
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
        if (err instanceof ValidationError) throw new CliError(err.message);
        throw toCliError(err);
      }
      // The key file (when S360_SECRET_KEY is unset) is created only once the database answered.
      const row = await withRepo(config, (repo) => repo.addInterface(input, loadSecretKey(config)), { requireMigrated: true });
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
}
