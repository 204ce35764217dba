// The simulator's small HTTP toolkit (node:http, no framework): route tables, JSON bodies and
// answers, and the error body of tixngo/contract.ts. Shared by the organizer and admin APIs.
import type http from 'node:http';
import type { z } from 'zod';
import { formatIssues, issuesToItemErrors, type ErrorBody } from '../tixngo/contract';
import { SimHttpError } from './state/store';

/** Most bytes accepted in one request body (413 beyond). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export type Handler = (ctx: RequestContext) => Promise<Answer> | Answer;
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Template relative to the API's base, e.g. /tickets/diff or /privileges/definitions/:id. */
  template: string;
  regex: RegExp;
  handler: Handler;
}
export interface RequestContext {
  req: http.IncomingMessage;
  url: URL;
  params: string[];
  body: () => Promise<unknown>;
}
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): Answer => ({ status: 200, body });
export const errorAnswer = (status: number, code: string, message: string, details?: ErrorBody['error']['details'], headers?: Record<string, string>): Answer => {
  const error: ErrorBody['error'] = { code, message };
  if (details?.length) error.details = details;
  const a: Answer = { status, body: { error } };
  if (headers) a.headers = headers;
  return a;
};

/** Routes from [method, template, handler] rows; `:name` segments become positional params. */
export function routeTable(rows: [Route['method'], string, Handler][]): Route[] {
  return rows.map(([method, template, handler]) => ({ method, template, regex: compile(template), handler }));
}

function compile(template: string): RegExp {
  const src = template
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '([^/]+)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${src}$`);
}

/** The route for method and path; without one, the methods the path allows (for a 405). */
export function matchRoute(routes: Route[], method: string, p: string): { route?: Route; params: string[]; allowed: string[] } {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.regex.exec(p);
    if (!m) continue;
    if (r.method === method) {
      let params: string[];
      try {
        params = m.slice(1).map((s) => decodeURIComponent(s));
      } catch {
        params = m.slice(1);
      }
      return { route: r, params, allowed };
    }
    allowed.push(r.method);
  }
  return { params: [], allowed };
}

/** Parses a JSON body against an envelope schema; a structural failure is a 400 naming the field. */
export function envelope<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw new SimHttpError(400, 'BAD_REQUEST', `invalid request body: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
  }
  return r.data;
}

export function query<S extends z.ZodType>(schema: S, url: URL): z.output<S> {
  const raw: Record<string, string> = {};
  for (const [k, v] of url.searchParams) raw[k] = v;
  const r = schema.safeParse(raw);
  if (!r.success) throw new SimHttpError(400, 'BAD_REQUEST', `invalid query: ${formatIssues(r.error)}`, issuesToItemErrors(r.error));
  return r.data;
}

/** The request's JSON body, read on first call (undefined when empty). */
export function readBody(req: http.IncomingMessage): () => Promise<unknown> {
  let cached: Promise<unknown> | undefined;
  return () =>
    (cached ??= new Promise<unknown>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        if (tooLarge) return;
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          tooLarge = true;
          reject(new SimHttpError(413, 'PAYLOAD_TOO_LARGE', `request body larger than ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      req.on('error', reject);
      req.on('end', () => {
        if (tooLarge) return;
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() === '') return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(new SimHttpError(400, 'BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`));
        }
      });
    }));
}

export function send(res: http.ServerResponse, a: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(a.body);
  res.writeHead(a.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    ...a.headers,
  });
  res.end(payload);
}
