/*
 * The inline tracker snippet. ES5 on purpose: tag-manager "custom HTML"
 * sandboxes and old parsers reject arrow functions, let/const and template
 * literals. terser makes it small; keep this source plain and readable.
 *
 * It installs `window.tracker` as a stub whose methods queue each call as
 * [name, arguments, time, resolve] and return a promise, then loads the bundle
 * with an inserted script (inserted scripts are async: the page never waits).
 * The bundle (bundle/takeOverStub.ts) replaces the methods on the same object
 * and drains `_q`, so references taken earlier keep working.
 *
 * WITH_INTEGRITY is not a variable of the page: build.mjs sets it (terser's
 * global_defs) and builds two snippets from this source. dist/snippet.html
 * leaves Subresource Integrity out and stays within 512 bytes gzipped;
 * dist/snippet-sri.html sets `integrity` from the fourth entry of the config
 * array, which fillSnippet() writes there (the bundle's sha384).
 */
(function (win, doc, bundleUrl, config) {
  var tracker = win.tracker;
  var queue = [];
  var script;

  // A call that will never reach the bundle: its promise resolves a failure
  // and a start() tells its startCallback. Inside one try: a callback that
  // throws (or a queue entry without a promise) must not reach the page.
  // With integrity: browsers report a bundle refused by its integrity check
  // as a plain load error (the page cannot tell them apart), so the reason
  // names that cause too.
  function settle(call) {
    var result = {
      success: false,
      reason:
        'tracker: bundle not loaded from ' +
        bundleUrl +
        (WITH_INTEGRITY ? ' (a load error: network, blocker, CSP or integrity mismatch)' : ''),
    };
    try {
      call[3](result);
      call[1][0].startCallback(result);
    } catch (e) {}
  }

  // Pasted twice: this stub or the live tracker is already there (both have
  // `_q`; a placeholder object the page put there has not). Leave it alone and
  // push an empty call, which the bundle reports as a duplicated snippet.
  if (tracker && tracker._q) return tracker._q.push([]);

  tracker = win.tracker = {_q: queue, _c: config};
  // The first six queue; the getters answer like a tracker with no session.
  'start stop flush setUserID setMetadata event getSessionID getSessionHash isActive'.split(' ').forEach(function (name, index) {
    tracker[name] = function () {
      var call = [name, arguments, +new Date()];
      if (index > 5) return index < 8 && null;
      return new Promise(function (resolve) {
        call[3] = resolve;
        // Bounded: a page calling in a loop before the bundle arrives does
        // not grow memory; the calls past the bound fail like a missing bundle.
        queue[999] ? settle(call) : queue.push(call);
      });
    };
  });

  script = doc.createElement('script');
  script.src = bundleUrl;
  script.crossOrigin = 'anonymous';
  // Subresource Integrity: a bundle changed on the CDN or on its way is
  // refused, not run. Empty when the snippet was filled without a hash.
  if (WITH_INTEGRITY && config[3]) script.integrity = config[3];
  // A strict CSP allows the bundle only with the nonce of this very script.
  // currentScript is null when a tag manager evals the code instead.
  script.nonce = (doc.currentScript || {}).nonce;
  // Network error, 404, blocker, CSP or a CORS-less response: fail what is
  // queued, and make every later call fail at once.
  script.onerror = function () {
    queue.splice(0).forEach(settle);
    queue.push = settle;
  };
  doc.head.append(script);
})(window, document, '{{BUNDLE_URL}}', ['{{PROJECT_KEY}}', '{{INGEST_POINT}}', {}]);
