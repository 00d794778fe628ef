'use strict';
// The overview: one row per run, updated in place from the event stream.
const tbody = document.querySelector('#runs tbody');
const rows = new Map();   // run name → {tr, cells}
const compare = document.getElementById('compare');

function row(name) {
  let r = rows.get(name);
  if (r) return r;
  const tr = J.el('tr', { 'data-run': name });
  const box = J.el('input', { type: 'checkbox' });
  box.addEventListener('change', selection);
  const link = J.el('a', { href: '/run?run=' + encodeURIComponent(name), text: name });
  const cells = {};
  tr.append(J.el('td', {}, box), J.el('td', {}, link));
  for (const k of ['status', 'age', 'step', 'loss', 'best', 'tps', 'eta', 'model'])
    tr.append(cells[k] = J.el('td', { class: ['age', 'loss', 'best', 'tps', 'eta'].includes(k) ? 'num ' + k : k }));
  tbody.append(tr);
  r = { tr, cells, box };
  rows.set(name, r);
  return r;
}

function update(list) {
  const names = new Set(list.map(s => s.name));
  for (const [n, r] of rows) if (!names.has(n)) { r.tr.remove(); rows.delete(n); }
  for (const s of list) {
    const c = row(s.name).cells;
    c.status.replaceChildren(J.status(s));
    c.age.textContent = s.age_s == null ? '—' : J.dur(s.age_s) + ' ago';
    c.step.textContent = s.step == null ? '—' : 'step ' + s.step + (s.total_steps ? ' of ' + s.total_steps : '');
    c.loss.textContent = J.num(s.loss, 4);
    c.best.textContent = J.num(s.best_val_loss, 4);
    c.tps.textContent = J.big(s.tokens_per_s);
    c.eta.textContent = s.status === 'running' ? J.dur(s.eta_s) : '—';
    const links = [];
    if (s.has_model) links.push(J.el('a', { href: '/model?run=' + encodeURIComponent(s.name), text: 'latest' }));
    if (s.has_best) links.push(' ', J.el('a', { href: '/model?run=' + encodeURIComponent(s.name) + '&which=best', text: 'best' }));
    c.model.replaceChildren(...links);
  }
}

function selection() {
  compare.disabled = [...rows.values()].filter(r => r.box.checked).length < 2;
}
compare.addEventListener('click', () => {
  const q = [...rows.entries()].filter(([, r]) => r.box.checked).map(([n]) => 'run=' + encodeURIComponent(n));
  location.href = '/run?' + q.join('&');
});

J.get('/api/runs').then(update).catch(e => { document.getElementById('conn').textContent = e.message; });
const es = new EventSource('/api/events');
es.addEventListener('runs', e => { update(JSON.parse(e.data)); document.getElementById('conn').textContent = 'live'; });
es.onerror = () => { document.getElementById('conn').textContent = 'reconnecting…'; };
