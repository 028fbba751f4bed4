// Lamina's live dashboard (docs/dashboard.md): one WebSocket to /_lamina/live, a snapshot then
// deltas. Plain browser JavaScript, no framework and no build step. Everything a function or the
// platform wrote is put in the page as text (textContent), never as markup.
'use strict';

(() => {
  const state = {
    limits: { logs: 500, invocations: 200, throttles: 100, traces: 30 },
    buckets: [],
    tracing: false,
    functions: [],
    environments: new Map(),
    stats: new Map(),
    invocations: [],
    logs: [],
    droppedLogs: 0,
    throttles: [],
    traces: new Map(),
    seq: 0,
  };
  const $ = (id) => document.getElementById(id);

  // ---- formatting -------------------------------------------------------------------------
  const ms = (v) => (v === undefined || v === null ? '' : v < 1 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(v < 10 ? 1 : 0)} ms` : `${(v / 1000).toFixed(2)} s`);
  const bound = (b) => (b < 1000 ? `${b} ms` : `${b / 1000} s`);
  const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false });
  const age = (t) => {
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  };
  const STATE_NAMES = { initializing: 'initialising', idle: 'idle', invoking: 'busy', retiring: 'retiring' };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === 'class') node.className = value;
      else if (key === 'style') Object.assign(node.style, value);
      else node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const td = (text, cls, title) => el('td', { class: cls, title }, text);
  function fill(table, rows) {
    const body = $(table).tBodies[0];
    body.replaceChildren(...rows);
    showEmpty(table, rows.length === 0);
  }
  function showEmpty(name, empty) {
    const note = document.querySelector(`[data-empty-for="${name}"]`);
    if (note) note.hidden = !empty;
  }

  // Upper bound of the bucket holding the q-th quantile.
  function quantile(latency, q) {
    if (!latency || latency.count === 0) return undefined;
    const want = Math.max(1, Math.ceil(latency.count * q));
    let seen = 0;
    for (let i = 0; i < latency.counts.length; i += 1) {
      seen += latency.counts[i];
      if (seen >= want) return i < state.buckets.length ? state.buckets[i] : latency.maxMs;
    }
    return latency.maxMs;
  }
  const atMost = (v) => (v === undefined ? '' : `≤ ${ms(v)}`);

  // ---- sections ---------------------------------------------------------------------------
  function renderFunctions() {
    const names = state.functions.map((f) => f.name);
    for (const name of state.stats.keys()) if (!names.includes(name)) names.push(name);
    const rows = names.map((name) => {
      const fn = state.functions.find((f) => f.name === name);
      const s = state.stats.get(name);
      const chips = (items) => el('td', { class: 'wrap' }, ...items.map((text) => el('span', { class: 'chip' }, text)));
      return el('tr', { 'data-function': name },
        td(name, 'mono'),
        td(fn ? fn.runtime : '(deleted)'),
        td(fn ? `${fn.memorySize} MB` : '', 'num'),
        td(fn ? `${fn.timeout} s` : '', 'num'),
        chips(fn ? fn.versions : []),
        chips(fn ? fn.aliases.map((a) => `${a.name} → ${a.version}`) : []),
        el('td', { class: 'num', 'data-stat': 'invocations' }, s ? s.invocations : 0),
        el('td', { class: 'num', 'data-stat': 'cold' }, s ? s.cold : 0),
        el('td', { class: 'num', 'data-stat': 'warm' }, s ? s.warm : 0),
        el('td', { class: 'num', 'data-stat': 'errors' }, s ? s.errors : 0),
        el('td', { class: 'num', 'data-stat': 'throttles' }, s ? s.throttles : 0),
        td(atMost(s && quantile(s.latency, 0.5)), 'num'),
        td(atMost(s && quantile(s.latency, 0.99)), 'num'),
        td(s && s.latency.count > 0 ? ms(s.latency.maxMs) : '', 'num'));
    });
    fill('functions', rows);
    const total = [...state.stats.values()].reduce((sum, s) => sum + s.invocations, 0);
    $('summary').textContent = `${state.functions.length} function(s) · ${state.environments.size} environment(s) · ${total} invocation(s)`;
    const filter = $('log-filter');
    const current = filter.value;
    filter.replaceChildren(el('option', { value: '' }, 'all'), ...names.map((n) => el('option', { value: n }, n)));
    filter.value = names.includes(current) ? current : '';
  }

  function renderEnvironments() {
    const envs = [...state.environments.values()].sort((a, b) => a.functionName.localeCompare(b.functionName) || a.startedAt - b.startedAt);
    fill('environments', envs.map((e) => el('tr', { 'data-state': e.state },
      td(e.functionName, 'mono'),
      td(e.version),
      el('td', {}, el('span', { class: `badge state-${e.state}` }, STATE_NAMES[e.state] || e.state), e.provisioned ? ' provisioned' : ''),
      td(e.invocations, 'num'),
      td(age(e.since), 'num'),
      td(e.logStream, 'mono wrap'))));
  }

  function renderHistograms() {
    const blocks = [];
    for (const [name, s] of [...state.stats.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const h = s.latency;
      if (h.count === 0) continue;
      const first = h.counts.findIndex((c) => c > 0);
      let last = h.counts.length - 1;
      while (last > first && h.counts[last] === 0) last -= 1;
      const top = Math.max(...h.counts);
      const bars = el('div', { class: 'bars' });
      for (let i = first; i <= last; i += 1) {
        const label = i < state.buckets.length ? `≤ ${bound(state.buckets[i])}` : `> ${bound(state.buckets[state.buckets.length - 1])}`;
        bars.append(el('span', { class: 'label' }, label),
          el('div', { class: 'track' }, el('div', { class: 'bar', style: { width: `${(h.counts[i] / top) * 100}%` } })),
          el('span', { class: 'count' }, h.counts[i]));
      }
      blocks.push(el('div', { class: 'histogram', 'data-function': name },
        el('h3', { class: 'mono' }, name),
        el('div', { class: 'caption' }, `${h.count} invocation(s), mean ${ms(h.sumMs / h.count)}, max ${ms(h.maxMs)}`),
        bars));
    }
    $('histograms').replaceChildren(...blocks);
    showEmpty('histograms', blocks.length === 0);
  }

  function renderInvocations() {
    const rows = state.invocations.slice().reverse().map((i) => el('tr', { 'data-request-id': i.requestId, 'data-start': i.cold ? 'cold' : 'warm', 'data-function': i.functionName },
      td(clock(i.at)),
      td(i.functionName, 'mono'),
      td(i.version),
      el('td', {}, el('span', { class: `badge start-${i.cold ? 'cold' : 'warm'}` }, i.cold ? 'cold' : 'warm')),
      td(ms(i.durationMs), 'num'),
      td(i.cold ? ms(i.initDurationMs) : '', 'num'),
      td(i.errorType ? `${i.status} (${i.errorType})` : i.status, `status-${i.status}`),
      td(i.requestId, 'mono')));
    fill('invocations', rows);
  }

  function renderThrottles() {
    fill('throttles', state.throttles.slice().reverse().map((t) => el('tr', { 'data-function': t.functionName },
      td(clock(t.at)), td(t.functionName, 'mono'), td(t.version), td(t.qualifier || ''), td(t.reason, 'wrap'), td(t.queued ? 'queued event (retried)' : 'caller (429)'))));
  }

  function renderTraces() {
    const traces = [...state.traces.values()].reverse().slice(0, 10);
    const blocks = traces.map((trace) => {
      const rows = [];
      const walk = (segments, depth) => {
        for (const s of segments || []) {
          rows.push({ s, depth });
          walk(s.subsegments, depth + 1);
        }
      };
      walk(trace.segments, 0);
      const start = Math.min(...rows.map((r) => r.s.startTime));
      const end = Math.max(...rows.map((r) => r.s.endTime ?? r.s.startTime));
      const span = Math.max(end - start, 1e-6);
      const timeline = el('div', { class: 'timeline' });
      for (const { s, depth } of rows) {
        const left = ((s.startTime - start) / span) * 100;
        const width = (((s.endTime ?? end) - s.startTime) / span) * 100;
        const kind = s.fault ? 'seg-fault' : s.error ? 'seg-error' : depth === 0 ? 'seg-segment' : 'seg-subsegment';
        const title = `${s.name}${s.origin ? ` (${s.origin})` : ''}`;
        timeline.append(el('span', { class: 'name', style: { paddingLeft: `${depth}rem` }, title }, s.name),
          el('div', { class: 'track' }, el('div', { class: `span ${kind}`, style: { left: `${left}%`, width: `${Math.max(width, 0)}%` }, title })),
          el('span', { class: 'dur' }, s.endTime === undefined ? 'in progress' : ms((s.endTime - s.startTime) * 1000)));
      }
      return el('div', { class: 'trace', 'data-trace-id': trace.traceId },
        el('h3', {}, el('span', { class: 'mono' }, trace.functionName), ` ${trace.version} `, el('span', { class: 'meta' }, `${rows.some((r) => r.s.endTime === undefined) ? 'in progress' : ms(span * 1000)} · request ${trace.requestId} · ${trace.traceId}`)),
        timeline);
    });
    $('traces').replaceChildren(...blocks);
    $('traces-empty').textContent = state.tracing ? 'No traces yet.' : 'No traces: this server has no trace source (docs/xray.md).';
    showEmpty('traces', blocks.length === 0);
  }

  function logRow(l) {
    const platform = /^(START|END|REPORT|INIT_START|INIT_REPORT|EXTENSION|TELEMETRY)\b/.test(l.line);
    return el('div', { class: `log-line${platform ? ' platform' : ''}`, 'data-function': l.functionName },
      el('span', { class: 'time' }, clock(l.at)), el('span', { class: 'fn' }, l.functionName), el('span', { class: 'text' }, l.line));
  }
  function renderLogs() {
    const filter = $('log-filter').value;
    const box = $('logs');
    const shown = state.logs.filter((l) => filter === '' || l.functionName === filter);
    box.replaceChildren(...shown.map(logRow));
    showEmpty('logs', shown.length === 0);
    $('log-dropped').textContent = state.droppedLogs > 0 ? `${state.droppedLogs} line(s) skipped while they came too fast to show` : '';
    if ($('log-follow').checked) box.scrollTop = box.scrollHeight;
  }

  // ---- messages ---------------------------------------------------------------------------
  const dirty = new Set();
  let frame = 0;
  function mark(...parts) {
    for (const p of parts) dirty.add(p);
    if (frame === 0) frame = requestAnimationFrame(render);
  }
  function render() {
    frame = 0;
    const renders = { functions: renderFunctions, environments: renderEnvironments, histograms: renderHistograms, invocations: renderInvocations, throttles: renderThrottles, traces: renderTraces, logs: renderLogs };
    for (const part of dirty) renders[part]();
    dirty.clear();
  }
  const keep = (list, n) => (list.length > n ? list.slice(list.length - n) : list);

  function applySnapshot(m) {
    state.limits = m.limits;
    state.buckets = m.buckets;
    state.tracing = m.tracing;
    state.functions = m.functions;
    state.environments = new Map(m.environments.map((e) => [e.logStream, e]));
    state.stats = new Map(m.stats.map((s) => [s.functionName, s]));
    state.invocations = m.invocations;
    state.logs = m.logs;
    state.throttles = m.throttles;
    state.traces = new Map(m.traces.map((t) => [t.traceId, t]));
    state.seq = m.seq;
    mark('functions', 'environments', 'histograms', 'invocations', 'throttles', 'traces', 'logs');
  }

  function applyDelta(m) {
    state.seq = m.seq;
    if (m.functions) { state.functions = m.functions; mark('functions'); }
    for (const e of m.environments || []) state.environments.set(e.logStream, e);
    for (const gone of m.gone || []) state.environments.delete(gone);
    if (m.environments || m.gone) mark('environments', 'functions');
    for (const s of m.stats || []) state.stats.set(s.functionName, s);
    if (m.stats) mark('functions', 'histograms');
    if (m.invocations) { state.invocations = keep(state.invocations.concat(m.invocations), state.limits.invocations); mark('invocations'); }
    if (m.logs) { state.logs = keep(state.logs.concat(m.logs), state.limits.logs); mark('logs'); }
    if (m.droppedLogs) { state.droppedLogs += m.droppedLogs; mark('logs'); }
    if (m.throttles) { state.throttles = keep(state.throttles.concat(m.throttles), state.limits.throttles); mark('throttles'); }
    for (const t of m.traces || []) { state.traces.delete(t.traceId); state.traces.set(t.traceId, t); }
    while (state.traces.size > state.limits.traces) state.traces.delete(state.traces.keys().next().value);
    if (m.traces) mark('traces');
  }

  function setStatus(s, text) {
    const node = $('status');
    node.dataset.state = s;
    node.textContent = text;
  }

  let retry = 500;
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/_lamina/live`);
    socket.addEventListener('open', () => { retry = 500; setStatus('live', 'live'); });
    socket.addEventListener('message', (event) => {
      const m = JSON.parse(event.data);
      if (m.type === 'snapshot') applySnapshot(m);
      else if (m.type === 'delta') applyDelta(m);
    });
    socket.addEventListener('close', () => {
      setStatus('closed', 'disconnected: retrying');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    });
  }

  $('log-filter').addEventListener('change', () => mark('logs'));
  $('log-follow').addEventListener('change', () => mark('logs'));
  // Ages ("in state for") move on without messages.
  setInterval(() => { if (state.environments.size > 0) mark('environments'); }, 1000);
  connect();
})();
