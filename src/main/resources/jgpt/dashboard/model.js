'use strict';
// The model page: every number comes from jgpt.inspect on the server (the code behind explain, probe, params).
const P = J.params();
const run = P.get('run');
const $ = id => document.getElementById(id);
$('which').value = P.get('which') === 'best' ? 'best' : 'latest';
$('title').textContent = 'model of ' + run;
document.title = 'jgpt model: ' + run;
let last = null, selected = [0, 0];
window.dash = { last: () => last };

function error(e) { $('error').textContent = e ? e.message : ''; }

async function info() {
  try {
    const d = await J.get('/api/model/info?run=' + encodeURIComponent(run) + '&which=' + $('which').value);
    const c = d.config;
    $('shape').textContent = `${c.layers} layers × ${c.heads} heads, ${c.embd} wide, context ${c.block}, vocabulary ${c.vocab}, ${J.big(d.params.total)} parameters`;
    params(d);
    error(null);
  } catch (e) { error(e); }
}

function params(d) {
  const t = $('params');
  t.replaceChildren(J.el('tr', {}, ...['parameter', 'shape', 'where', 'count', 'share'].map(h => J.el('th', { text: h }))));
  for (const r of d.params.rows)
    t.append(J.el('tr', {}, J.el('td', { text: r.label }), J.el('td', { text: r.tensors ? (r.tensors > 1 ? r.tensors + ' × ' : '') + '(' + r.shape.join(', ') + ')' : r.note || '' }),
      J.el('td', { text: r.where || '' }), J.el('td', { class: 'num', text: J.big(r.count) }), J.el('td', { class: 'num', text: r.tensors ? (100 * r.share).toFixed(1) + '%' : '' })));
  t.append(J.el('tr', {}, J.el('th', { text: 'total' }), J.el('th'), J.el('th'), J.el('th', { class: 'num', text: J.big(d.params.total) }), J.el('th')));
  const cmp = $('compare');
  const models = [['this model', d.params], ...Object.entries(d.compare)];
  cmp.replaceChildren(J.el('tr', {}, J.el('th', { text: 'group' }), ...models.map(([n]) => J.el('th', { class: 'num', text: n }))));
  for (const g of Object.keys(d.params.groups))
    cmp.append(J.el('tr', {}, J.el('td', { text: g }), ...models.map(([, m]) => J.el('td', { class: 'num', text: J.big(m.groups[g]) }))));
  cmp.append(J.el('tr', {}, J.el('th', { text: 'total' }), ...models.map(([, m]) => J.el('th', { class: 'num', text: J.big(m.total) }))));
}

async function explain() {
  $('busy').textContent = 'computing…';
  try {
    const nudge = $('nudge').value.trim();
    last = await J.post('/api/model/explain', {
      run, which: $('which').value, prompt: $('prompt').value, target: $('target').value || null,
      top: Number($('top').value), temperature: Number($('temperature').value), top_k: Number($('topk').value),
      top_p: Number($('topp').value), nudges: nudge ? [nudge] : [], epsilon: Number($('epsilon').value),
    });
    show(last);
    error(null);
  } catch (e) { error(e); }
  $('busy').textContent = '';
}

function show(d) {
  $('result').hidden = false;
  $('tokens').replaceChildren(...d.texts.map((t, i) => J.el('span', { title: 'position ' + i + ', id ' + d.tokens[i], text: J.visible(t) })));
  $('next').tBodies[0].replaceChildren(...d.table.map((r, i) => J.el('tr', { 'data-id': r.id, 'data-p': r.p },
    J.el('td', { class: 'num', text: String(i + 1) }), J.el('td', { class: 'tok', text: J.visible(r.text) }),
    J.el('td', { class: 'num p', text: J.prob(r.p) }), J.el('td', {}, bar(r.p)),
    J.el('td', { class: 'num', text: r.logit.toFixed(3) }), J.el('td', { class: 'num', text: J.prob(r.p_sampled) }))));
  $('target-line').replaceChildren('target ', J.el('b', { text: J.visible(d.target.text) }), ` (id ${d.target.id}): P = ${J.prob(d.target.p)}, loss = −log P = ${d.loss.toFixed(4)}`);
  $('grad').tBodies[0].replaceChildren(...d.logit_grad.map(g => J.el('tr', {}, J.el('td', { text: J.visible(g.text) }),
    J.el('td', { class: 'num', text: (g.grad >= 0 ? '+' : '') + g.grad.toFixed(4) }))));
  $('nudges').replaceChildren(...d.nudges.map(n => J.el('p', {},
    `nudge ${n.name}[${n.index.join(',')}] by ε = ${n.step_plus.toPrecision(3)}: gradient predicts g·ε = ${n.predicted.toExponential(3)}, measured ${n.measured_plus.toExponential(3)} (w−ε: ${n.measured_minus.toExponential(3)})`)));
  norms(d);
  heads(d);
}

function bar(p) { const b = J.el('span', { class: 'bar' }); b.style.width = Math.round(120 * p) + 'px'; return b; }

function norms(d) {
  const cols = ['wq', 'wk', 'wv', 'wo', 'w1', 'w2'];
  $('norms').tHead.replaceChildren(J.el('tr', {}, J.el('th', { text: 'layer' }), ...cols.map(c => J.el('th', { class: 'num', text: c }))));
  const rows = [];
  for (let l = 0; l < d.layers; l++)
    rows.push(J.el('tr', {}, J.el('td', { text: String(l) }), ...cols.map(c => J.el('td', { class: 'num', text: (d.grad_norms['layer.' + l + '.' + c] ?? NaN).toExponential(2) }))));
  $('norms').tBodies[0].replaceChildren(...rows);
}

// white → dark blue by attention weight
function color(w) {
  const t = Math.sqrt(Math.min(1, Math.max(0, w)));   // sqrt: small weights stay visible
  return `rgb(${Math.round(255 - t * 247)},${Math.round(255 - t * 207)},${Math.round(255 - t * 148)})`;
}

function paint(canvas, m, T, labels) {
  const ctx = canvas.getContext('2d');
  const pad = labels ? 70 : 0, cell = (canvas.width - pad) / T;
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    ctx.fillStyle = j > i ? '#f3f3f3' : color(m[i * T + j]);
    ctx.fillRect(pad + j * cell, pad + i * cell, Math.ceil(cell), Math.ceil(cell));
  }
  if (!labels) return;
  ctx.fillStyle = '#333'; ctx.font = Math.min(12, cell * 0.8) + 'px monospace'; ctx.textBaseline = 'middle';
  for (let i = 0; i < T; i++) {
    const t = J.visible(labels[i]).slice(0, 8);
    ctx.textAlign = 'right'; ctx.fillText(t, pad - 4, pad + (i + 0.5) * cell);
    ctx.save(); ctx.translate(pad + (i + 0.5) * cell, pad - 4); ctx.rotate(-Math.PI / 2); ctx.textAlign = 'left'; ctx.fillText(t, 0, 0); ctx.restore();
  }
}

function heads(d) {
  const T = d.tokens.length, box = $('heads');
  box.style.gridTemplateColumns = `repeat(${d.heads}, auto)`;
  const figs = [];
  for (let l = 0; l < d.layers; l++) for (let h = 0; h < d.heads; h++) {
    const c = J.el('canvas', { class: 'heat', width: 96, height: 96, 'data-layer': l, 'data-head': h });
    paint(c, d.attention[l][h], T, null);
    const f = J.el('figure', {}, c, J.el('figcaption', { text: `layer ${l} head ${h}` }));
    f.addEventListener('click', () => { selected = [l, h]; large(d); });
    figs.push(f);
  }
  box.replaceChildren(...figs);
  if (selected[0] >= d.layers || selected[1] >= d.heads) selected = [0, 0];
  large(d);
}

function large(d) {
  const [l, h] = selected, T = d.tokens.length;
  for (const f of $('heads').children) f.classList.toggle('sel', f.firstChild.dataset.layer == l && f.firstChild.dataset.head == h);
  paint($('big'), d.attention[l][h], T, d.texts);
  $('tip').textContent = `layer ${l} head ${h}: hover a cell`;
}

$('big').addEventListener('mousemove', e => {
  if (!last) return;
  const T = last.tokens.length, c = $('big'), r = c.getBoundingClientRect();
  const cell = (c.width - 70) / T, x = (e.clientX - r.left) * c.width / r.width - 70, y = (e.clientY - r.top) * c.height / r.height - 70;
  const i = Math.floor(y / cell), j = Math.floor(x / cell);
  if (i < 0 || j < 0 || i >= T || j >= T) return;
  const w = last.attention[selected[0]][selected[1]][i * T + j];
  $('tip').textContent = `layer ${selected[0]} head ${selected[1]}: ${J.visible(last.texts[i])}@${i} → ${J.visible(last.texts[j])}@${j}: ${w.toFixed(4)}`;
});

async function probe() {
  try {
    const d = await J.post('/api/model/probe', { run, which: $('which').value, prompt: $('prompt').value, candidates: $('cands').value.split('|') });
    $('probed').tBodies[0].replaceChildren(...d.ranked.map((c, i) => J.el('tr', {}, J.el('td', { class: 'num', text: String(i + 1) }),
      J.el('td', { text: J.visible(c.candidate) }), J.el('td', { class: 'num', text: c.total.toFixed(4) }), J.el('td', { class: 'num', text: J.prob(c.p) }))));
    error(null);
  } catch (e) { error(e); }
}

$('run').addEventListener('click', explain);
$('probe').addEventListener('click', probe);
$('which').addEventListener('change', () => { info(); explain(); });
info().then(explain);
