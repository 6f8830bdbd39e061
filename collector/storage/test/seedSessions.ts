// Sessions made inside PostgreSQL, straight into the collector's schema, for
// the tests and the bench that need many of them (collector/test/
// postgresListPlans.test.ts, bench/figures/measureReadAtScale.mjs): one
// INSERT … SELECT over generate_series per chunk, so that 200,000 rows take
// seconds and 10,000,000 minutes, and nothing goes through Node row by row.
//
// Session i of `total` (1-based) starts at SEED_START + i × SEED_SPAN_MS / total:
// the newest last, as a collector inserts them. Every other value is a hash of
// i (hashint8extended), so the same i always gets the same session, whatever
// the chunk it is made in. What they hold, roughly as a shop's sessions would:
//
//   project_key   'demo'; 'docs' for 5 %
//   user_id       40 % identified, among total / 20 users (about 8 sessions each)
//   metadata      plan (free 60 %, pro 30 %, enterprise 10 %), country (20),
//                 tenant (total / 1,000 of them, about 1,000 sessions each),
//                 release (r0 … r49 in time order: each 2 %, all within one
//                 fiftieth of the time span, so r0 holds the oldest sessions only)
//   errors        8 % an error, 6 % a console error, 5 % a failed request (hasErrors ≈ 18 %)
//   frustration   3 % rage clicks, 3 % dead clicks, 1 % error clicks (≈ 7 %)
//   urls          https://shop.example/ and a category page always; a product
//                 page (/product/<0-49,999>) 60 %; /cart 25 %; /checkout/step-1
//                 10 %, step-2 7 %, /checkout/done?order=<i> 4 %; a search 30 %
//   event_names   add-to-cart 25 %, search 30 %, checkout-started 10 %,
//                 coupon-applied 2 %, refund-requested 0.05 %, feature-<0-999> 20 %
//   pages         one page per session, its first URL
export const SEED_START = Date.UTC(2026, 0, 1);
export const SEED_SPAN_MS = 30 * 86_400_000;

/** A user with sessions, for a seed of `total` sessions (user-0 … user-<total/20 - 1>). */
export const seededUser = (total: number, n = 7) => `user-${n % Math.max(1, Math.floor(total / 20))}`;

/** Values the seed uses, and some it never does, for filters that match and filters that do not. */
export const SEEDED = {
  commonMeta: ['plan', 'pro'] as [string, string],
  oldMeta: ['release', 'r0'] as [string, string],
  rareMeta: (total: number): [string, string] => ['tenant', `t${7 % Math.max(1, Math.floor(total / 1000))}`],
  missingMeta: ['plan', 'gold'] as [string, string],
  commonEvent: 'checkout-started',
  rareEvent: 'refund-requested',
  missingEvent: 'no-such-event',
  commonUrl: '/checkout',
  rareUrl: '/product/4242',
  missingUrl: '/checkout/step-9',
  missingUser: 'nobody-at-all',
};

// A pseudo-random integer in [0, m) for session i, one per salt.
const pick = (salt: number, m: string | number) => `((hashint8extended(i, ${salt}) & 9223372036854775807) % (${m}))`;
const percent = (salt: number, below: number) => `${pick(salt, 100)} < ${below}`;

/** The statements that add sessions from+1 … from+count of a seed of `total`, with their pages. */
export function seedSessionsSql({from = 0, count, total = from + count}: {from?: number; count: number; total?: number}): Array<{text: string; values: unknown[]}> {
  const rows = `generate_series($1::bigint + 1, $1::bigint + $2::bigint) AS i, LATERAL (SELECT $4::bigint + i * ($5::bigint / $3::bigint) AS t) AS time`;
  const values = [from, count, total, SEED_START, SEED_SPAN_MS];
  const sessions = `INSERT INTO sessions (session_id, project_key, user_id, user_uuid, metadata, started_at, last_activity_at, first_event_at,
      last_event_at, custom_event_count, assist_only, error_count, console_error_count, failed_request_count, urls, event_names, page_count,
      rage_click_count, dead_click_count, error_click_count)
    SELECT
      lpad(to_hex(t), 12, '0') || substr(md5(i::text), 1, 12),
      CASE WHEN ${percent(30, 5)} THEN 'docs' ELSE 'demo' END,
      CASE WHEN ${percent(1, 40)} THEN 'user-' || ${pick(2, 'greatest($3::bigint / 20, 1)')} END,
      'uuid-' || i,
      jsonb_build_object(
        'plan', (ARRAY['free', 'free', 'free', 'free', 'free', 'free', 'pro', 'pro', 'pro', 'enterprise'])[1 + ${pick(3, 10)}],
        'country', (ARRAY['us', 'gb', 'de', 'fr', 'es', 'it', 'nl', 'se', 'pl', 'br', 'mx', 'ca', 'au', 'jp', 'in', 'za', 'ng', 'kr', 'ar', 'ch'])[1 + ${pick(4, 20)}],
        'tenant', 't' || ${pick(5, 'greatest($3::bigint / 1000, 1)')},
        'release', 'r' || ((i - 1) * 50 / $3::bigint)),
      t, t + 600000, t, t + ${pick(6, 1_800_000)}, ${pick(7, 20)}, false,
      CASE WHEN ${percent(8, 8)} THEN 1 + ${pick(9, 3)} ELSE 0 END,
      CASE WHEN ${percent(10, 6)} THEN 1 ELSE 0 END,
      CASE WHEN ${percent(11, 5)} THEN 1 ELSE 0 END,
      array_remove(ARRAY[
        'https://shop.example/',
        'https://shop.example/products/' || (ARRAY['shoes', 'hats', 'bags', 'shirts', 'coats', 'socks', 'belts', 'scarves', 'gloves', 'boots'])[1 + ${pick(12, 10)}],
        CASE WHEN ${percent(13, 60)} THEN 'https://shop.example/product/' || ${pick(14, 50_000)} END,
        CASE WHEN ${percent(15, 25)} THEN 'https://shop.example/cart' END,
        CASE WHEN ${percent(16, 10)} THEN 'https://shop.example/checkout/step-1' END,
        CASE WHEN ${percent(16, 7)} THEN 'https://shop.example/checkout/step-2' END,
        CASE WHEN ${percent(16, 4)} THEN 'https://shop.example/checkout/done?order=' || i END,
        CASE WHEN ${percent(17, 30)} THEN 'https://shop.example/search?q=' || (ARRAY['red', 'blue', 'sale', 'new', 'gift', 'leather', 'wool', 'summer'])[1 + ${pick(18, 8)}] END
      ], NULL),
      array_remove(ARRAY[
        CASE WHEN ${percent(19, 25)} THEN 'add-to-cart' END,
        CASE WHEN ${percent(20, 30)} THEN 'search' END,
        CASE WHEN ${percent(16, 10)} THEN 'checkout-started' END,
        CASE WHEN ${percent(21, 2)} THEN 'coupon-applied' END,
        CASE WHEN ${pick(22, 10_000)} < 5 THEN 'refund-requested' END,
        CASE WHEN ${percent(23, 20)} THEN 'feature-' || ${pick(24, 1000)} END
      ], NULL),
      1,
      CASE WHEN ${percent(25, 3)} THEN 1 ELSE 0 END,
      CASE WHEN ${percent(26, 3)} THEN 1 ELSE 0 END,
      CASE WHEN ${percent(27, 1)} THEN 1 ELSE 0 END
    FROM ${rows}`;
  const pages = `INSERT INTO pages (session_id, page_id, url, referrer, started_at, event_count)
    SELECT lpad(to_hex(t), 12, '0') || substr(md5(i::text), 1, 12), 1, 'https://shop.example/', '', t, 20 + ${pick(28, 500)}
    FROM ${rows}`;
  return [
    {text: sessions, values},
    {text: pages, values},
  ];
}
