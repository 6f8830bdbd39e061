// Demo page behaviour: start the tracker (continuing the session from another
// origin when the URL carries a sessionHash), show the result, add DOM.
(function () {
  var status = document.getElementById('status');
  var hash = new URLSearchParams(location.search).get('sessionHash');
  tracker.start(hash ? {sessionHash: hash} : {metadata: {page: location.pathname}}).then(function (result) {
    status.textContent = result.success ? 'recording session ' + result.sessionID : 'not recording: ' + result.reason;
    var checkout = document.getElementById('to-checkout');
    if (checkout && result.success) {
      checkout.href = window.DEMO_OTHER_ORIGIN + '/checkout.html?sessionHash=' + encodeURIComponent(result.sessionHash);
    }
  });
  var count = 0;
  document.getElementById('add-card').addEventListener('click', function () {
    var card = document.createElement('article');
    card.className = 'card';
    card.textContent = 'Card #' + ++count + ' added at ' + new Date().toLocaleTimeString();
    document.getElementById('cards').appendChild(card);
    tracker.event('card-added', {count: count});
  });
})();
