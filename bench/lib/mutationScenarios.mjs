// The six DOM-mutation workloads of rrweb's own benchmark suite
// (packages/rrweb/test/benchmark/dom-mutation.test.ts and its
// test/html/benchmark-dom-mutation*.html pages), rebuilt as our pages. Each
// page defines `window.workload()`; `setup` runs at load, before recording
// starts, for workloads that change an existing DOM.

// A root div with a chain of 9 nested divs below it: rrweb's "branch".
const BRANCH = `function branch(b) {
  var root = document.createElement('div');
  var current = root;
  root.setAttribute('branch', String(b));
  root.setAttribute('depth', '0');
  for (var d = 1; d < 10; d++) {
    var child = document.createElement('div');
    child.setAttribute('branch', String(b));
    child.setAttribute('depth', String(d));
    current = current.appendChild(child);
  }
  return root;
}
`;

export const mutationScenarios = [
  {
    id: 'deep-nested',
    title: '100 roots × 256 deep',
    script: `window.workload = function () {
  document.body.textContent = '';
  var tips = [];
  for (var i = 0; i < 100; i++) tips.push(document.body.appendChild(document.createElement('div')));
  for (var depth = 0; depth < 256; depth++) {
    for (var j = 0; j < tips.length; j++) tips[j] = tips[j].appendChild(document.createElement('div'));
  }
};`,
  },
  {
    id: 'add-1000x10',
    title: '1000 × 10 nodes added',
    script: BRANCH + `window.workload = function () {
  for (var b = 0; b < 1000; b++) document.body.appendChild(branch(b));
};`,
  },
  {
    id: 'add-remove-add',
    title: 'add 1000×10×2, remove all, add again',
    script: BRANCH + `function add() {
  var fragment = document.createDocumentFragment();
  for (var b = 0; b < 1000; b++) fragment.appendChild(branch(b));
  document.body.appendChild(fragment);
}
function removeAll() {
  document.querySelectorAll('div').forEach(function (node) {
    if (node.parentNode) node.parentNode.removeChild(node);
  });
}
window.workload = function () {
  add();
  removeAll();
  add();
};`,
  },
  {
    id: 'nested-chain',
    title: '1000 nodes each nested in the previous',
    script: `window.workload = function () {
  var parent = document.body;
  for (var i = 1; i <= 1000; i++) {
    var node = document.createElement('div');
    node.textContent = 'node ' + i;
    parent.appendChild(node);
    parent = node;
  }
};`,
  },
  {
    id: 'move-10000',
    title: '10,000 nodes moved to a new container',
    body: '<div id="app"></div>',
    script: `function fill(parent, count) {
  var list = document.createElement('div');
  for (var i = 1; i <= count; i++) {
    var item = document.createElement('div');
    item.textContent = 'item ' + i;
    list.appendChild(item);
  }
  parent.appendChild(list);
  return list;
}
window.workload = function () {
  var app = document.getElementById('app');
  var list = fill(app, 10000);
  var container = document.createElement('div');
  container.appendChild(list);
  document.body.appendChild(container);
  app.remove();
  fill(document.body, 1);
};`,
  },
  {
    id: 'class-10000',
    title: 'classList.add on 10,000 divs',
    script: `(function setup() {
  for (var i = 0; i < 10000; i++) document.body.appendChild(document.createElement('div'));
})();
window.workload = function () {
  var divs = document.getElementsByTagName('div');
  for (var i = 0; i < divs.length; i++) divs[i].classList.add('foo');
};`,
  },
];

/** The scenario's page; `head` is where a variant puts its recorder. */
export function mutationPage(scenario, head = '') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${scenario.title}</title>${head}</head>` +
    `<body>${scenario.body ?? ''}<script>${scenario.script}</script></body></html>`;
}
