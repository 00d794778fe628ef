'use strict';
// Helpers shared by the pages. Text from runs and models is only ever inserted with textContent.
const J = {
  params() { return new URLSearchParams(location.search); },
  async get(path) {
    const r = await fetch(path, { headers: { 'Accept': 'application/json' } });
    const body = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  },
  async post(path, data) {
    const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(data) });
    const text = await r.text();
    let body; try { body = JSON.parse(text); } catch (e) { body = { error: text }; }
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  },
  // el('td', {class: 'num'}, 'text', child...) — strings become text nodes, never HTML
  el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  },
  num(v, d) { return v == null || !isFinite(v) ? '—' : Number(v).toFixed(d); },
  big(v) { return v == null || !isFinite(v) ? '—' : Math.round(v).toLocaleString('en-US'); },
  dur(s) {
    if (s == null || !isFinite(s)) return '—';
    s = Math.round(s);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor(s % 3600 / 60) + ' min';
  },
  prob(p) { return p >= 1e-3 ? p.toFixed(4) : p.toExponential(2); },
  // a token as seen: ␣ for space, ⏎ for newline
  visible(t) { return String(t).replace(/ /g, '␣').replace(/\n/g, '⏎').replace(/\t/g, '⇥'); },
  status(s) { return J.el('span', { class: 'status ' + s.status, text: s.status }); },
};
