// The troubleshooting dump of injected tickets (custom parameter dumpTnPRvariables, §4): one JSON line per ticket
// sent to TIXNGO, with the values its payload was built from, in DATA_DIR/dumps/<interface>/<execution>.jsonl.
// The lines hold personal data (names, e-mails) and never the API key; the file is owner-only (0600, folders 0700)
// and capped at maxLengthDumpedCallsInKbs.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Cap of one dump file when maxLengthDumpedCallsInKbs is not set (the value the S-360 documentation gives). */
export const DEFAULT_DUMP_MAX_KB = 5000;

export interface DumpLine {
  ticketId: string;
  outcome: string;
  payload: unknown;
}

/** A file-name-safe form of a name (interface names may hold any printable character). */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || /^\.+$/.test(s) ? `_${s}` : s;
}

export function dumpFile(dir: string, interfaceName: string, executionId: string): string {
  return path.join(dir, safeName(interfaceName), `${safeName(executionId)}.jsonl`);
}

/**
 * Appends the lines that still fit under `maxKb` to the run's dump file. Returns how many were written and how many
 * were left out because the file reached its cap.
 */
export async function appendDump(file: string, lines: readonly DumpLine[], maxKb: number, at: string): Promise<{ written: number; dropped: number }> {
  if (lines.length === 0) return { written: 0, dropped: 0 };
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const cap = maxKb * 1024;
  let size = await fs.stat(file).then(
    (st) => st.size,
    () => 0,
  );
  let text = '';
  let written = 0;
  for (const l of lines) {
    const line = `${JSON.stringify({ at, ...l })}\n`;
    const bytes = Buffer.byteLength(line);
    if (size + bytes > cap) break;
    size += bytes;
    text += line;
    written++;
  }
  if (text) {
    const h = await fs.open(file, 'a', 0o600);
    try {
      await h.chmod(0o600);
      await h.appendFile(text);
    } finally {
      await h.close();
    }
  }
  return { written, dropped: lines.length - written };
}
