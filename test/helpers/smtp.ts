// A real SMTP server for tests (smtp-server, in process, random loopback port, no auth, no TLS) that keeps what it
// receives, or refuses recipients / message data like a failing relay.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope. */
  mailFrom: string;
  rcptTo: string[];
  headers: Record<string, string>;
  subject: string;
  messageId: string;
  /** Body, quoted-printable decoded. */
  text: string;
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** MAIL FROM commands seen: one per delivery attempt, accepted or not. */
  attempts: number;
  close(): Promise<void>;
}

function parse(raw: string, mailFrom: string, rcptTo: string[]): ReceivedMail {
  const cut = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, cut).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(cut).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const qp = /quoted-printable/i.test(headers['content-transfer-encoding'] ?? '');
  const text = qp ? body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))) : body;
  return { mailFrom, rcptTo, headers, subject: headers.subject ?? '', messageId: headers['message-id'] ?? '', text: text.replace(/\r\n/g, '\n'), raw };
}

export async function startSmtpServer(opts: { refuse?: 'rcpt' | 'data' } = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const state = { attempts: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, cb) {
      state.attempts++;
      cb();
    },
    onRcptTo(_address, _session, cb) {
      if (opts.refuse === 'rcpt') {
        const err = new Error('mailbox unavailable') as Error & { responseCode: number };
        err.responseCode = 550;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (opts.refuse === 'data') {
          const err = new Error('message refused') as Error & { responseCode: number };
          err.responseCode = 554;
          cb(err);
          return;
        }
        const from = session.envelope.mailFrom;
        messages.push(parse(Buffer.concat(chunks).toString('utf8'), from ? from.address : '', session.envelope.rcptTo.map((r) => r.address)));
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get attempts() {
      return state.attempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const s = await startSmtpServer();
  await s.close();
  return s.port;
}
