// Why a connection to Temporal failed, in one line naming the variable to fix. The SDK's own errors do not say:
// the gRPC client (grpc-js) only reports "Failed to connect before the deadline" when a TLS handshake fails, and the
// worker's Rust connection a nested transport error. So, after a failure, one probe connection with node:tls (same
// address, CA, client certificate and server name as the SDK uses) finds out what the server does: not listening,
// plain or TLS, which certificate it presents and whether our CA and name verify it, and whether it accepts the
// client certificate (in TLS 1.3 a refusal only arrives after the handshake, as an alert, so the probe sends the
// HTTP/2 preface and waits for the server's answer). Nothing here ever prints the API key or the private key.
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { issuerOf, subjectOf, temporalUsesTls, type TemporalTlsVariables } from '../config/temporal-tls';

export interface ProbeConfig extends TemporalTlsVariables {
  TEMPORAL_ADDRESS: string;
}

/** What the probe saw. */
export type ProbeResult =
  | { kind: 'unreachable'; code: string }
  | { kind: 'timeout' }
  /** The TLS handshake did not complete (plain server, reset, protocol error, or refused during the handshake). */
  | { kind: 'handshake-failed'; code: string; message: string }
  /** Handshake done; the server then refused us with an alert (client certificate), or closed. */
  | { kind: 'refused-after-handshake'; code: string; message: string; server?: X509Certificate; authorizationError?: string; identityError?: string }
  /** Handshake done and the server answered over it. */
  | { kind: 'accepted'; server?: X509Certificate; authorizationError?: string; identityError?: string };

const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]); // + an empty SETTINGS frame

function splitAddress(address: string): { host: string; port: number } {
  const cut = address.lastIndexOf(':');
  return { host: address.slice(0, cut).replace(/^\[|\]$/g, ''), port: Number(address.slice(cut + 1)) };
}

/** One TLS connection to the frontend as the SDK would open it (verification done here, not by node, to tell why). */
export function probeTls(config: ProbeConfig, opts: { withClientCert?: boolean; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const { host, port } = splitAddress(config.TEMPORAL_ADDRESS);
  const serverName = config.TEMPORAL_TLS_SERVER_NAME ?? host;
  const withCert = opts.withClientCert !== false && config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY;
  return new Promise((resolve) => {
    let done = false;
    let handshaken = false;
    let server: X509Certificate | undefined;
    let authorizationError: string | undefined;
    let identityError: string | undefined;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(handshaken ? { kind: 'accepted', server, authorizationError, identityError } : { kind: 'timeout' }), opts.timeoutMs ?? 5_000);
    const socket = tls.connect({
      host,
      port,
      servername: net.isIP(serverName) ? undefined : serverName,
      ca: config.TEMPORAL_TLS_CA?.pem,
      cert: withCert ? config.TEMPORAL_TLS_CERT!.pem : undefined,
      key: withCert ? config.TEMPORAL_TLS_KEY!.pem.reveal() : undefined,
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false,
    });
    socket.on('secureConnect', () => {
      handshaken = true;
      const raw = socket.getPeerCertificate(true)?.raw;
      if (raw) server = new X509Certificate(raw);
      if (!socket.authorized) authorizationError = String(socket.authorizationError ?? 'not authorized');
      const peer = socket.getPeerCertificate();
      if (peer && Object.keys(peer).length) identityError = tls.checkServerIdentity(serverName, peer)?.message;
      socket.write(HTTP2_PREFACE);
    });
    socket.on('data', () => finish({ kind: 'accepted', server, authorizationError, identityError }));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'ERROR';
      if (handshaken) finish({ kind: 'refused-after-handshake', code, message: err.message, server, authorizationError, identityError });
      else if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(code)) finish({ kind: 'unreachable', code });
      else finish({ kind: 'handshake-failed', code, message: err.message });
    });
    socket.on('close', () =>
      finish(handshaken ? { kind: 'refused-after-handshake', code: 'CLOSED', message: 'the server closed the connection', server, authorizationError, identityError } : { kind: 'handshake-failed', code: 'CLOSED', message: 'the server closed the connection' }),
    );
  });
}

/** The first line of a message, whitespace collapsed, secrets replaced, at most 300 characters. */
export function oneLine(text: string, secrets: readonly string[] = []): string {
  let t = text;
  for (const s of secrets) if (s) t = t.split(s).join('***');
  t = t.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}

/** The reason of an OpenSSL error message ("...:SSL routines:fn:wrong version number:file:line:" -> "wrong version number"). */
function opensslReason(message: string): string {
  return oneLine(/:(?:SSL|\w+) routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message);
}

/** gRPC status code of an SDK error (or of its cause), when it has one. */
function grpcCode(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.message === 'string') parts.push(e.message);
  }
  return parts.join(': ');
}

const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED']);

function serverCertText(server: X509Certificate | undefined): string {
  return server ? `server certificate ${subjectOf(server)}, issued by ${issuerOf(server)}` : 'no server certificate seen';
}

/** The server's certificate problem as seen with our CA and server name, or undefined when it verifies. */
function serverSideProblem(config: ProbeConfig, r: { server?: X509Certificate; authorizationError?: string; identityError?: string }): string | undefined {
  const at = config.TEMPORAL_ADDRESS;
  if (r.authorizationError && r.authorizationError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const code = r.authorizationError;
    if (UNTRUSTED.has(code)) {
      if (config.TEMPORAL_TLS_CA) {
        const ca = config.TEMPORAL_TLS_CA.certs.map(subjectOf).join(', ');
        return `TEMPORAL_TLS_CA: the server's certificate is not signed by this CA (${serverCertText(r.server)}; TEMPORAL_TLS_CA holds ${ca}; ${code})`;
      }
      return `TEMPORAL_TLS_CA: the server's certificate at ${at} is not signed by a CA this system trusts (${serverCertText(r.server)}; ${code}): set TEMPORAL_TLS_CA to the CA that signed it`;
    }
    if (code === 'CERT_HAS_EXPIRED') return `TEMPORAL_ADDRESS: the certificate of the server at ${at} has expired (${serverCertText(r.server)}, valid until ${r.server?.validTo ?? '?'}); it must be renewed on the server`;
    if (code === 'CERT_NOT_YET_VALID') return `TEMPORAL_ADDRESS: the certificate of the server at ${at} is not valid yet (${serverCertText(r.server)}, valid from ${r.server?.validFrom ?? '?'}); check the clocks`;
    return `TEMPORAL_TLS_CA: the server's certificate at ${at} does not verify (${serverCertText(r.server)}; ${code})`;
  }
  if (r.identityError || r.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = r.server?.subjectAltName ?? '(no subject alternative names)';
    const name = config.TEMPORAL_TLS_SERVER_NAME ?? splitAddress(at).host;
    return `TEMPORAL_TLS_SERVER_NAME: the server's certificate is not issued for ${name} (it names ${names}); set TEMPORAL_TLS_SERVER_NAME to one of those names${config.TEMPORAL_TLS_SERVER_NAME ? '' : ' or connect by that name'}`;
  }
  return undefined;
}

/** The refusal of our client certificate (or of its absence) after the handshake, by TLS alert. */
function clientSideProblem(config: ProbeConfig, code: string, message: string): string {
  const alert = /(tlsv1\d? alert|sslv3 alert)/i.test(message) ? opensslReason(message) : '';
  const cert = config.TEMPORAL_TLS_CERT?.certs[0];
  if (!cert) {
    return `TEMPORAL_TLS_CERT: the server at ${config.TEMPORAL_ADDRESS} requires a client certificate (mTLS) and none is configured: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (${alert || code})`;
  }
  const which = `client certificate ${subjectOf(cert)}, issued by ${issuerOf(cert)}`;
  if (/EXPIRED/.test(code)) return `TEMPORAL_TLS_CERT: the server refused the client certificate as expired (${which}; ${alert})`;
  if (/REVOKED/.test(code)) return `TEMPORAL_TLS_CERT: the server refused the client certificate as revoked (${which}; ${alert})`;
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR|HANDSHAKE_FAILURE|ACCESS_DENIED|CERTIFICATE_REQUIRED/.test(code)) {
    return `TEMPORAL_TLS_CERT: the server refused the client certificate: it is not signed by a CA the server trusts for clients, or not accepted for this server (${which}; ${alert || code})`;
  }
  return `TEMPORAL_TLS_CERT: the server at ${config.TEMPORAL_ADDRESS} closed the connection after the TLS handshake, probably refusing the client certificate (${which}; ${alert || code})`;
}

/**
 * One line saying why connecting to Temporal failed, naming the variable to fix; `err` is what the SDK threw.
 * Never contains the API key or the private key.
 */
export async function explainConnectionFailure(config: ProbeConfig, err: unknown, opts: { timeoutMs?: number } = {}): Promise<string> {
  return (await connectionError(config, err, opts)).message;
}

/** The TemporalConnectionError for `err`: explainConnectionFailure's line, and whether nothing answered at all. */
export async function connectionError(config: ProbeConfig, err: unknown, opts: { timeoutMs?: number } = {}): Promise<TemporalConnectionError> {
  const probe = await probeTls(config, opts).catch((e: Error): ProbeResult => ({ kind: 'handshake-failed', code: 'ERROR', message: e.message }));
  return new TemporalConnectionError(explainProbe(config, err, probe, opts), { cause: err, nothingAnswers: probe.kind === 'unreachable' });
}

function explainProbe(config: ProbeConfig, err: unknown, probe: ProbeResult, opts: { timeoutMs?: number }): string {
  const at = config.TEMPORAL_ADDRESS;
  const secrets = config.TEMPORAL_API_KEY ? [config.TEMPORAL_API_KEY.reveal()] : [];
  const original = oneLine(messages(err) || String(err), secrets);
  const usesTls = temporalUsesTls(config);
  if (probe.kind === 'unreachable') return `cannot reach Temporal at TEMPORAL_ADDRESS=${at}: nothing answers (${probe.code})`;
  if (!usesTls) {
    // We speak plain gRPC. If the server completes (or starts) a TLS handshake, it wants TLS.
    if (probe.kind === 'accepted' || probe.kind === 'refused-after-handshake' || (probe.kind === 'handshake-failed' && /ALERT|CERTIFICATE/.test(probe.code))) {
      return `cannot connect to Temporal at TEMPORAL_ADDRESS=${at}: the server requires TLS; set TEMPORAL_TLS_CA (the server's CA) and, for mTLS, TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, or TEMPORAL_API_KEY (Temporal Cloud)`;
    }
    return `cannot reach Temporal at TEMPORAL_ADDRESS=${at}: ${original}`;
  }
  if (probe.kind === 'timeout') return `cannot reach Temporal at TEMPORAL_ADDRESS=${at}: no TLS answer within ${Math.round((opts.timeoutMs ?? 5_000) / 1000)} s (${original})`;
  if (probe.kind === 'handshake-failed') {
    if (/ALERT/.test(probe.code)) return clientSideProblem(config, probe.code, probe.message); // TLS 1.2: refused during the handshake
    if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(probe.code) || /wrong version number|packet length too long/.test(probe.message)) {
      return `TEMPORAL_TLS: the server at ${at} does not speak TLS (a plain server, such as the dev server): unset TEMPORAL_TLS_* and TEMPORAL_API_KEY, or set TEMPORAL_TLS=false, or point TEMPORAL_ADDRESS at the TLS endpoint`;
    }
    return `TEMPORAL_TLS: the TLS handshake with ${at} failed (${opensslReason(probe.message)}): is it a TLS endpoint?`;
  }
  const serverProblem = serverSideProblem(config, probe);
  if (serverProblem) return serverProblem;
  if (probe.kind === 'refused-after-handshake') return clientSideProblem(config, probe.code, probe.message);
  // TLS is fine both ways: the failure is above it (credentials, namespace, or the server itself).
  const code = grpcCode(err);
  if (code === 16 || code === 7 || /unauthenticated|permission ?denied|unauthorized/i.test(original)) {
    if (config.TEMPORAL_API_KEY) return `TEMPORAL_API_KEY: the server at ${at} refused the API key (${original})`;
    return `cannot connect to Temporal at TEMPORAL_ADDRESS=${at}: the server requires credentials: set TEMPORAL_API_KEY (Temporal Cloud) or a client certificate (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY) (${original})`;
  }
  return `cannot connect to Temporal at TEMPORAL_ADDRESS=${at} over TLS: ${original}`;
}

/** A connection failure, explained in one line (the CLI prints it without a stack). */
export class TemporalConnectionError extends Error {
  override name = 'TemporalConnectionError';
  /** Nothing listens at TEMPORAL_ADDRESS (the probe's connection was refused): no TLS or credential problem to name. */
  readonly nothingAnswers: boolean;
  constructor(message: string, opts: { cause: unknown; nothingAnswers: boolean }) {
    super(message, { cause: opts.cause });
    this.nothingAnswers = opts.nothingAnswers;
  }
}
