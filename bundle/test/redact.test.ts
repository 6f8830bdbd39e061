// Secrets in URLs and bodies (SPEC section 5): what the tracker sends has the
// values of secret-looking names replaced, whatever shape the text has.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {redactAlso, redactText, redactUrl, redactUrlsIn} from '../lib/redactUrl';

(globalThis as {location?: {href: string}}).location = {href: 'https://shop.example.com/cart'};

test('redacts secret-looking query and fragment values, and keeps the rest', () => {
  assert.equal(
    redactUrl('/reset?token=abc&step=2&api_key=k&Session-Id=s#access_token=t&state=ok'),
    'https://shop.example.com/reset?token=[redacted]&step=2&api_key=[redacted]&Session-Id=[redacted]#access_token=[redacted]&state=ok',
  );
  assert.equal(redactUrl('https://a.example/p?q=shoes#reviews'), 'https://a.example/p?q=shoes#reviews');
});

test('redacts the names a site configures besides the secret-looking ones', () => {
  redactAlso(['email']);
  assert.equal(redactUrl('/u?email=ann%40example.com&page=2'), 'https://shop.example.com/u?email=[redacted]&page=2');
  redactAlso([]);
  assert.equal(redactUrl('/u?email=x'), 'https://shop.example.com/u?email=x');
});

test('redacts JSON bodies at any depth, and JSON or forms inside their strings', () => {
  const body = JSON.stringify({user: 'ann', password: 'p1', nested: {apiKey: 'k1', list: [{token: 't1'}]}, echo: JSON.stringify({secret: 's1'}), form: 'a=1&passwd=p2'});
  const redacted = redactText(body);
  for (const secret of ['p1', 'k1', 't1', 's1', 'p2']) assert.ok(!redacted.includes(secret), `${secret} in ${redacted}`);
  assert.ok(redacted.includes('"user":"ann"'));
  assert.ok(redacted.includes('a=1&passwd=[redacted]'));
});

test('redacts forms and JSON-like text that does not parse', () => {
  assert.equal(redactText('user=ann&password=hunter2&remember=1'), 'user=ann&password=[redacted]&remember=1');
  assert.equal(redactText('{"password": "hunter2", "cut": "in the midd'), '{"password": "[redacted]", "cut": "in the midd');
});

test('drops the user and password of a URL', () => {
  assert.equal(redactUrl('http://ann:XHRPASSWORD2@api.example.com/orders?id=7'), 'http://api.example.com/orders?id=7');
  assert.equal(redactUrl('https://ann@api.example.com/'), 'https://api.example.com/');
});

test('redacts the URLs inside a stack and keeps their line and column', () => {
  const stack = [
    'Error: failed to load https://cdn.example/a.json?key=K1 (status 403)',
    '    at explode (http://127.0.0.1:8080/app.js?token=T1:2:9)',
    '    at http://127.0.0.1:8080/app.js?token=T1:4:1',
    'explode@https://ann:P1@shop.example.com/app.js?v=3&sig=S1:12:5',
    '    at plain (https://shop.example.com/vendor.js:1:200)',
  ].join('\n');
  assert.equal(
    redactUrlsIn(stack),
    [
      'Error: failed to load https://cdn.example/a.json?key=[redacted] (status 403)',
      '    at explode (http://127.0.0.1:8080/app.js?token=[redacted]:2:9)',
      '    at http://127.0.0.1:8080/app.js?token=[redacted]:4:1',
      'explode@https://shop.example.com/app.js?v=3&sig=[redacted]:12:5',
      '    at plain (https://shop.example.com/vendor.js:1:200)',
    ].join('\n'),
  );
});

test('leaves text without a URL that could carry a secret as it is', () => {
  const text = 'see http://example.com:8080 and "https://a.example/x/y", then token=abc';
  assert.equal(redactUrlsIn(text), text);
});

test('redacts a secret value that a cut body leaves unterminated', () => {
  assert.equal(redactText('{"user": "ann", "password": "hunt'), '{"user": "ann", "password": "[redacted]"');
});
