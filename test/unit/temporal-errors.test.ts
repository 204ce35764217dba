// The one-line explanation of Temporal errors (temporal/errors.ts) for the answers a dev server cannot be made to give
// (credentials, rate limits): the server's gRPC status inside the SDK's ServiceError, as the client receives it.
// The search attribute, namespace and unreachable cases run on the real server in cli-temporal-errors.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { ServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { explainTemporalError, grpcStatusOf, searchAttributeNamed } from '../../temporal/errors';

const target = { address: 'temporal.example:7233', namespace: 'prod' };

/** What @grpc/grpc-js rejects a call with, wrapped by the SDK as it wraps a failed start. */
function serverSaid(code: status, details: string): ServiceError {
  const grpcErr = Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
  return new ServiceError('Failed to start Workflow', { cause: grpcErr });
}

test('the gRPC status is found inside the SDK wrapper', () => {
  assert.deepEqual(grpcStatusOf(serverSaid(status.PERMISSION_DENIED, 'Request unauthorized.')), { code: 7, name: 'PERMISSION_DENIED', details: 'Request unauthorized.' });
  assert.equal(grpcStatusOf(new Error('plain')), undefined);
});

test('credentials refused: the namespace, the server and the variables to set', () => {
  assert.equal(
    explainTemporalError(serverSaid(status.PERMISSION_DENIED, 'Request unauthorized.'), target),
    'Temporal refused access to namespace prod at TEMPORAL_ADDRESS=temporal.example:7233 (PERMISSION_DENIED: Request unauthorized.): ' +
      'use credentials allowed on that namespace (TEMPORAL_API_KEY, or the client certificate in TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY), or set TEMPORAL_NAMESPACE to one they are allowed on',
  );
  assert.match(explainTemporalError(serverSaid(status.UNAUTHENTICATED, 'Jwt is missing'), target)!, /did not accept the client's credentials \(UNAUTHENTICATED: Jwt is missing\): set TEMPORAL_API_KEY/);
});

test('rate limited, deadline, unimplemented: cause and what to do', () => {
  assert.match(explainTemporalError(serverSaid(status.RESOURCE_EXHAUSTED, 'namespace rate limit exceeded'), target)!, /^Temporal is rate limiting namespace prod .*: retry in a moment/);
  assert.match(explainTemporalError(serverSaid(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), target)!, /did not answer in time .*TEMPORAL_ADDRESS is its frontend \(gRPC\) port/);
  assert.match(explainTemporalError(serverSaid(status.UNIMPLEMENTED, 'unknown service'), target)!, /does not implement this call/);
});

test('the search attribute is named from the server messages of several versions', () => {
  assert.equal(searchAttributeNamed('Namespace bare has no mapping defined for search attribute InterfaceName'), 'InterfaceName');
  assert.equal(searchAttributeNamed('search attribute TicketId is not defined'), 'TicketId');
  assert.equal(searchAttributeNamed('invalid query: invalid search attribute: EventCode'), 'EventCode');
  assert.match(explainTemporalError(serverSaid(status.INVALID_ARGUMENT, 'search attribute TicketId is not defined'), target)!, /^search attribute TicketId is not registered on namespace prod .*run `s360-tixngo setup`/);
});

test('an error with no Temporal status is left to the caller', () => {
  assert.equal(explainTemporalError(new Error('boom'), target), undefined);
});

test("the SDK's own NamespaceNotFoundError names TEMPORAL_NAMESPACE", () => {
  assert.match(explainTemporalError(new NamespaceNotFoundError('prod'), target)!, /^namespace prod \(TEMPORAL_NAMESPACE\) does not exist on Temporal at TEMPORAL_ADDRESS=temporal\.example:7233 /);
});
