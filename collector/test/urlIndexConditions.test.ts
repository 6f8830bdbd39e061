// Which parts of a URL needle the URL index is asked for
// (storage/postgres/urlIndexConditions.ts); what the index holds is checked
// against PostgreSQL itself in postgresListPlans.test.ts.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {rareFragments, urlSearchText, urlWords} from '../storage/postgres/urlIndexConditions';

test('a needle is turned as the index text is: punctuation into letters, so that its trigrams span it', () => {
  assert.equal(urlSearchText('/Checkout/Step-9?a=1&b_c:2%20'), 'qcheckoutqstepx9kav1wbjcy2f20');
  assert.deepEqual(urlWords('/checkout/step-9'), ['qcheckoutqstepx9']);
  // Two characters make no trigram; a space or a character of another script ends a word.
  assert.deepEqual(urlWords('/p'), []);
  assert.deepEqual(urlWords('ab cde'), ['cde']);
});

test('only the runs of trigrams that are not frequent are asked for', () => {
  const frequent = new Set(['qpr', 'pro', 'rod', 'odu', 'duc', 'uct', 'ctq', 'tq4']);
  assert.deepEqual(rareFragments(['qproductq4242'], frequent), ['q4242']);
  // A frequent trigram in the middle splits the word into two fragments.
  assert.deepEqual(rareFragments(['abcxyzdef'], new Set(['cxy', 'xyz', 'yzd'])), ['abcx', 'zdef']);
  // All frequent: the words as they are.
  assert.deepEqual(rareFragments(['product'], frequent), ['product']);
  assert.deepEqual(rareFragments(['nowhere'], frequent), ['nowhere']);
});
