// What went wrong with a Temporal call, in one line that names the cause and the fix. The SDK wraps the server's
// answer (a gRPC status with a code and details) in its own errors ("Failed to start Workflow",
// "Failed to connect to Temporal server"): the cause is in the chain, never in the outer message. The CLI
// (cli/context.ts, cli/main.ts) prints these lines; they never carry a payload or a credential (the server's
// details name namespaces, workflow ids and search attributes only).

/** Where the client talked to, for the messages. */
export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** gRPC status codes the messages distinguish (@grpc/grpc-js `status`). */
export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(GRPC).map(([k, v]) => [v, k]));

/** The errors of a cause chain, outermost first (bounded: a cycle or a very deep chain stops it). */
export function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && out.length < 16 && !out.includes(e)) {
    out.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** The innermost message of the chain (the most specific one), on one line. */
export function rootMessage(err: unknown): string {
  const withMessage = causeChain(err).filter((e) => typeof (e as Error).message === 'string' && (e as Error).message.trim() !== '');
  const last = withMessage.at(-1) as Error | undefined;
  return oneLine(last ? last.message : String(err));
}

export const oneLine = (s: string, max = 400): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
};

/** The gRPC status (code and the server's details) found in the chain: a ServiceError's cause, or the error itself. */
export function grpcStatusOf(err: unknown): { code: number; name: string; details: string } | undefined {
  for (const e of causeChain(err)) {
    const g = e as { code?: unknown; details?: unknown; metadata?: unknown };
    if (typeof g.code === 'number' && typeof g.details === 'string' && g.metadata !== undefined) {
      return { code: g.code, name: CODE_NAMES[g.code] ?? `code ${g.code}`, details: oneLine(g.details) };
    }
  }
  return undefined;
}

/** The errors of the chain by class name (the SDK's classes; checked by name so that this module imports no SDK). */
function findNamed(err: unknown, name: string): Record<string, unknown> | undefined {
  return causeChain(err).find((e) => (e as Error | undefined)?.name === name) as Record<string, unknown> | undefined;
}

/** The search attribute a server message names ("search attribute X is not defined", "no mapping defined for search attribute X", ...). */
export function searchAttributeNamed(details: string): string | undefined {
  return /search attribute(?:s)?(?: key)?\s*:?\s*"?([A-Za-z_][A-Za-z0-9_]*)"?/i.exec(details)?.[1];
}

const START_SERVER = 'start the server (`s360-tixngo dev` runs one) or set TEMPORAL_ADDRESS to its frontend (gRPC) host:port';

/** Temporal could not be reached at all (the connection, before any answer): why, and what to do. */
export function unreachableLine(err: unknown, t: TemporalTarget): string {
  const status = grpcStatusOf(err);
  if (status && status.code !== GRPC.UNAVAILABLE && status.code !== GRPC.DEADLINE_EXCEEDED) {
    const explained = explainTemporalError(err, t);
    if (explained) return explained;
  }
  const why = rootMessage(err).replace(/^cannot reach Temporal at TEMPORAL_ADDRESS=\S+:\s*/, '');
  return `cannot reach Temporal at TEMPORAL_ADDRESS=${t.address} (${why}): ${START_SERVER}`;
}

/**
 * One line (cause, then what to do) for an error of a Temporal call, or undefined when the chain holds nothing
 * Temporal-specific (the caller keeps the error's own message).
 */
export function explainTemporalError(err: unknown, t: TemporalTarget): string | undefined {
  const where = `namespace ${t.namespace} at TEMPORAL_ADDRESS=${t.address}`;

  const started = findNamed(err, 'WorkflowExecutionAlreadyStartedError');
  if (started) {
    return `workflow ${String(started.workflowId)} (${String(started.workflowType)}) is already running on ${where}: wait for it to end, or stop it (a function run: \`s360-tixngo run stop <function>\`)`;
  }
  // The SDK turns the server's NOT_FOUND for a namespace into an error of its own, without the status.
  if (findNamed(err, 'NamespaceNotFoundError')) return namespaceMissing(t, 'NOT_FOUND: namespace not found');
  const notFound = findNamed(err, 'WorkflowNotFoundError');
  if (notFound && !grpcStatusOf(err)?.details.match(/namespace/i)) {
    return `no workflow ${String(notFound.workflowId)} on ${where}: check the id, and that TEMPORAL_NAMESPACE is the namespace the worker runs on`;
  }

  const status = grpcStatusOf(err);
  if (!status) return undefined;
  const { code, name, details } = status;
  const said = details ? `${name}: ${details}` : name;
  switch (code) {
    case GRPC.INVALID_ARGUMENT:
    case GRPC.FAILED_PRECONDITION: {
      if (/search attribute/i.test(details)) {
        const attr = searchAttributeNamed(details);
        return `${attr ? `search attribute ${attr} is` : 'a search attribute of the product is'} not registered on ${where} (${said}): run \`s360-tixngo setup\` with the same TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE (it registers them all; safe to rerun)`;
      }
      if (/namespace/i.test(details) && /not found|does not exist|not exist/i.test(details)) return namespaceMissing(t, said);
      return `Temporal refused the request on ${where} (${said}): the request does not fit this server or namespace; check the server version and the namespace's settings`;
    }
    case GRPC.NOT_FOUND:
      if (/namespace/i.test(details)) return namespaceMissing(t, said);
      return `not found on ${where} (${said}): check the id, and that TEMPORAL_NAMESPACE is the namespace the worker runs on`;
    case GRPC.ALREADY_EXISTS:
      return `already exists on ${where} (${said}): it was created before; use it, or remove it first`;
    case GRPC.PERMISSION_DENIED:
      return `Temporal refused access to ${where} (${said}): use credentials allowed on that namespace (TEMPORAL_API_KEY, or the client certificate in TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY), or set TEMPORAL_NAMESPACE to one they are allowed on`;
    case GRPC.UNAUTHENTICATED:
      return `Temporal at TEMPORAL_ADDRESS=${t.address} did not accept the client's credentials (${said}): set TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY to a client certificate the server trusts`;
    case GRPC.UNAVAILABLE:
      return `cannot reach Temporal at TEMPORAL_ADDRESS=${t.address} (${said}): ${START_SERVER}`;
    case GRPC.DEADLINE_EXCEEDED:
      return `Temporal at TEMPORAL_ADDRESS=${t.address} did not answer in time (${said}): check that the server is up and not overloaded, and that TEMPORAL_ADDRESS is its frontend (gRPC) port; then retry`;
    case GRPC.RESOURCE_EXHAUSTED:
      return `Temporal is rate limiting ${where} (${said}): retry in a moment, or raise the namespace's limits (frontend.namespaceRPS)`;
    case GRPC.UNIMPLEMENTED:
      return `Temporal at TEMPORAL_ADDRESS=${t.address} does not implement this call (${said}): TEMPORAL_ADDRESS must be the frontend (gRPC) port of a Temporal server 1.24 or later`;
    case GRPC.CANCELLED:
      return `the call to Temporal at TEMPORAL_ADDRESS=${t.address} was cancelled (${said}): retry`;
    default:
      return `Temporal at TEMPORAL_ADDRESS=${t.address} failed the request on namespace ${t.namespace} (${said}): see the Temporal server's log, then retry`;
  }
}

function namespaceMissing(t: TemporalTarget, said: string): string {
  return `namespace ${t.namespace} (TEMPORAL_NAMESPACE) does not exist on Temporal at TEMPORAL_ADDRESS=${t.address} (${said}): set TEMPORAL_NAMESPACE to an existing namespace, or create it (\`temporal operator namespace create --namespace ${t.namespace}\`) and run \`s360-tixngo setup\``;
}
