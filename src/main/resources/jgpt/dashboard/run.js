'use strict';
// The run page: metrics arrive by Server-Sent Events (only the rows not yet sent; everything again after a
// resume) and are drawn with uPlot. Several ?run= parameters overlay the runs.
const names = J.params().getAll('run');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const runs = names.map(n => ({ name: n, cols: null, samples: [], summary: null }));
const SMALL = [
  { key: 'lr', title: 'learning rate' },
  { key: 'grad_norm', title: 'gradient norm (before clipping, log scale)', log: true },
  { key: 'tokens_per_s', title: 'tokens/s' },
  { key: 'ms', title: 'ms/step' },
  { key: 'mfu', title: 'MFU (share of the measured peak)' },
];
const charts = {};
let zoomed = false, pending = false;
window.dash = { runs, charts, ema };
document.getElementById('title').textContent = names.join(' vs ');
document.title = 'jgpt: ' + names.join(', ');

// TensorBoard's debiased exponential moving average; nulls stay null
function ema(ys, w) {
  const out = new Array(ys.length);
  let last = 0, n = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (y == null) { out[i] = null; continue; }
    last = last * w + (1 - w) * y;
    n++;
    out[i] = w === 0 ? y : last / (1 - Math.pow(w, n));
  }
  return out;
}

function xs(r) { return r.cols[document.getElementById('xaxis').value]; }

// one uPlot data table over all runs: the x values merged, each run's n series null where it has no point
// (a run without rows yet still has its n empty series, so the table always matches the chart's series)
function table(seriesOf, n) {
  if (!runs.some(r => r.cols && r.cols.step.length)) return null;
  const parts = runs.map(r => r.cols && r.cols.step.length ? [xs(r), ...seriesOf(r)] : Array.from({ length: n + 1 }, () => []));
  return parts.length === 1 ? parts[0] : uPlot.join(parts);
}

// axis labels: small numbers (learning rates, MFU) in exponent form instead of rounded to the same text
function tick(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e7) ? v.toExponential(1) : v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function width(el) { return Math.max(300, el.clientWidth - 4); }

function make(id, series, log, height) {
  const el = document.getElementById(id);
  const opts = {
    width: width(el), height: height,
    scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
    series: [{ label: document.getElementById('xaxis').selectedOptions[0].text }, ...series],
    axes: [{}, { size: 74, values: (u, vals) => vals.map(tick) }],
    cursor: { drag: { x: true, y: false } },
    hooks: { setSelect: [u => { if (u.select.width > 0) zoomed = true; }] },
  };
  const u = new uPlot(opts, [[]].concat(series.map(() => [])), el);
  el.addEventListener('dblclick', () => { zoomed = false; });
  return u;
}

function build() {
  for (const k of Object.keys(charts)) { charts[k].destroy(); delete charts[k]; }
  const loss = [];
  runs.forEach((r, i) => {
    const c = COLORS[i % COLORS.length], tag = runs.length > 1 ? ' ' + r.name : '';
    loss.push({ label: 'train' + tag, stroke: c + '40', width: 1, spanGaps: true },
      { label: 'train smoothed' + tag, stroke: c, width: 2, spanGaps: true },
      { label: 'val' + tag, stroke: c, width: 0, spanGaps: false, points: { show: true, size: 7, fill: c } });
  });
  charts.loss = make('chart-loss', loss, document.getElementById('logy').checked, 320);
  const small = document.getElementById('small');
  if (!small.children.length)
    for (const s of SMALL) small.append(J.el('div', { class: 'card' }, J.el('h3', { text: s.title }), J.el('div', { id: 'chart-' + s.key })));
  for (const s of SMALL)
    charts[s.key] = make('chart-' + s.key, runs.map((r, i) => ({ label: r.name, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true })), s.log, 180);
  draw(true);
}

function draw(resetScales) {
  pending = false;
  const w = Number(document.getElementById('smooth').value);
  const loss = table(r => [r.cols.loss, ema(r.cols.loss, w), r.cols.val_loss], 3);
  if (!loss) return;
  const keep = zoomed && !resetScales;
  charts.loss.setData(loss, !keep);
  for (const s of SMALL) charts[s.key].setData(table(r => [r.cols[s.key].map(v => (s.log && v <= 0) ? null : v)], 1), !keep);
  const el = document.getElementById('chart-loss');
  el.dataset.points = runs.map(r => r.cols ? r.cols.step.length : 0).join(',');
}

function later() { if (!pending) { pending = true; requestAnimationFrame(() => draw(false)); } }

function status() {
  const box = document.getElementById('status');
  box.replaceChildren(...runs.filter(r => r.summary).map((r, i) => {
    const s = r.summary;
    return J.el('div', { class: 'card', 'data-run': r.name },
      J.el('b', { text: r.name }), ' ', J.status(s), ' ',
      J.el('span', { class: 'step', text: s.step == null ? '' : 'step ' + s.step + (s.total_steps ? ' of ' + s.total_steps : '') }), ' · loss ',
      J.el('span', { class: 'last-loss', text: J.num(s.loss, 4) }), ' · best val ', J.num(s.best_val_loss, 4),
      ' · ', J.big(s.tokens_per_s), ' tokens/s',
      s.status === 'running' ? ' · ETA ' + J.dur(s.eta_s) : '', ' · ',
      J.el('span', { class: 'points', text: String(r.cols ? r.cols.step.length : 0) }), ' points',
      s.has_model ? J.el('span', {}, ' · ', J.el('a', { href: '/model?run=' + encodeURIComponent(r.name), text: 'model' })) : null);
  }));
}

function showSamples() {
  const rows = [];
  runs.forEach(r => { for (const s of r.samples) rows.push([r.name, s]); });
  rows.sort((a, b) => a[1].step - b[1].step);
  document.querySelector('#samples tbody').replaceChildren(...rows.map(([n, s]) =>
    J.el('tr', {}, J.el('td', { text: n }), J.el('td', { class: 'num', text: String(s.step) }),
      J.el('td', {}, J.el('div', { class: 'sample', text: (s.prompt || '') + s.text })))));
}

function append(r, cols, from, reset) {
  if (reset || !r.cols) { r.cols = cols; return; }
  if (from !== r.cols.step.length) r.cols = Object.fromEntries(Object.keys(cols).map(k => [k, r.cols[k].slice(0, from)]));
  for (const k of Object.keys(cols)) r.cols[k].push(...cols[k]);
}

async function start() {
  if (!names.length) { document.getElementById('status').textContent = 'no run given: open a run from the overview'; return; }
  for (const r of runs) {
    try {
      const d = await J.get('/api/run?run=' + encodeURIComponent(r.name));
      const conf = document.getElementById('config');
      conf.append(J.el('div', {}, J.el('h3', { text: r.name }), J.el('pre', { text: JSON.stringify(d.config, null, 2) })));
    } catch (e) {
      document.getElementById('status').append(J.el('p', { class: 'error', text: r.name + ': ' + e.message }));
    }
  }
  build();
  const es = new EventSource('/api/events?' + names.map(n => 'run=' + encodeURIComponent(n)).join('&'));
  es.addEventListener('run', e => {
    const m = JSON.parse(e.data);
    const r = runs.find(x => x.name === m.run);
    if (m.columns) { append(r, m.columns, m.from, m.reset); later(); }
    if (m.samples) { r.samples = m.samples_reset ? m.samples : r.samples.concat(m.samples); showSamples(); }
    if (m.summary) r.summary = m.summary;
    status();
    document.getElementById('conn').textContent = 'live';
  });
  es.onerror = () => { document.getElementById('conn').textContent = 'reconnecting…'; };
}

document.getElementById('smooth').addEventListener('input', e => {
  document.getElementById('smooth-v').textContent = Number(e.target.value).toFixed(3);
  draw(false);
});
document.getElementById('logy').addEventListener('change', build);
document.getElementById('xaxis').addEventListener('change', () => { zoomed = false; build(); });
document.getElementById('reset').addEventListener('click', () => { zoomed = false; draw(true); });
window.addEventListener('resize', () => { for (const [k, u] of Object.entries(charts)) u.setSize({ width: width(u.root.parentNode), height: u.height }); });
start();
