// What `interface add` (and Repository.addInterface) accept as an interface URL and name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError, normalizeInterfaceUrl, validateInterfaceInput } from '../../db/validation';

const valid = { name: 'main', url: 'https://pp5-api.tixngo.io/v3/organizer/tickets', loginEmail: 'admin@org.example', apiKey: 'k' };

const refused = (fn: () => unknown, re: RegExp, secret?: string) =>
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.match(e.message, re);
    if (secret) assert.ok(!e.message.includes(secret), `the message shows ${secret}: ${e.message}`);
    return true;
  });

test('interface URL: http(s), ending with organizer/tickets, trailing slashes dropped', () => {
  assert.equal(normalizeInterfaceUrl(' https://pp5-api.tixngo.io/v3/organizer/tickets// '), 'https://pp5-api.tixngo.io/v3/organizer/tickets');
  assert.equal(normalizeInterfaceUrl('http://127.0.0.1:18080/v3/organizer/tickets'), 'http://127.0.0.1:18080/v3/organizer/tickets');
  refused(() => normalizeInterfaceUrl('ftp://x.example/organizer/tickets'), /^url: expected an http\(s\) URL/);
  refused(() => normalizeInterfaceUrl('https://x.example/organizer/events'), /^url: must end with organizer\/tickets/);
});

test('interface URL: credentials are refused without showing them', () => {
  for (const url of ['https://ops:pw-in-url-1@x.example/organizer/tickets', 'https://ops:pw-in-url-1@x.example/organizer/events', 'https://pw-in-url-1@x.example/organizer/tickets', 'https://ops:pw-in-url-1@x.example/organizer/tickets?x=1']) {
    refused(() => normalizeInterfaceUrl(url), /^url: must not contain a user name or password \(user:password@\); the API key is given with --api-key-env/, 'pw-in-url-1');
  }
});

test('interface URL: a query or a fragment is refused', () => {
  for (const url of ['https://x.example/organizer/tickets?apiKey=k-in-query', 'https://x.example/organizer/tickets?', 'https://x.example/v3?a=1/organizer/tickets']) {
    refused(() => normalizeInterfaceUrl(url), /^url: must not have a query \(\?…\)/, 'k-in-query');
  }
  for (const url of ['https://x.example/organizer/tickets#top', 'https://x.example/organizer/tickets#']) refused(() => normalizeInterfaceUrl(url), /^url: must not have a fragment \(#…\)/);
  for (const url of ['https://x.example/organizer/tick\tets', 'https://x.example/organizer/tickets\nX', 'https://x.example/org anizer/tickets']) {
    refused(() => normalizeInterfaceUrl(url), /^url: must not contain spaces or control characters/);
  }
});

test('interface name: printable characters only; the bad character is named by its position', () => {
  assert.equal(validateInterfaceInput({ ...valid, name: '  Stade de Genève — main  ' }).name, 'Stade de Genève — main');
  refused(() => validateInterfaceInput({ ...valid, name: 'ma\tin' }), /^name: character 3 is not printable \(U\+0009\)/);
  refused(() => validateInterfaceInput({ ...valid, name: 'main\r\n' }), /^name: character 5 is not printable \(U\+000D\)/);
  refused(() => validateInterfaceInput({ ...valid, name: '\nmain' }), /^name: character 1 is not printable \(U\+000A\)/);
  refused(() => validateInterfaceInput({ ...valid, name: 'é\u0000' }), /^name: character 2 is not printable \(U\+0000\)/);
  refused(() => validateInterfaceInput({ ...valid, name: 'a\u202Eb' }), /^name: character 2 is not printable \(U\+202E\)/);
  refused(() => validateInterfaceInput({ ...valid, name: '😀\u0007' }), /^name: character 2 is not printable \(U\+0007\)/);
});
