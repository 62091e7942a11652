// @ts-check
/* global document, window, fetch, setTimeout, setInterval, clearTimeout */
// The prober dashboard: polls /api/state and redraws. Plain browser JavaScript (checked by
// assets/tsconfig.json), no libraries: the chart is SVG built here.
(function dashboard() {
  'use strict';

  // The shapes /api/state sends, from the server's own declaration (one source: renaming a
  // field there fails the type check of this script).
  /**
   * @typedef {import('../src/dashboard-contract').DashboardState} DashboardState
   * @typedef {import('../src/dashboard-contract').ProbeRecord} ProbeRecord
   * @typedef {import('../src/dashboard-contract').ComponentView} ComponentView
   */

  const POLL_MS = 2000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  /** @type {DashboardState | undefined} */
  let state;
  let lastUpdate = 0;
  /** @type {string | undefined} */
  let lastError;

  /** @param {string} id */
  function byId(id) {
    const element = document.getElementById(id);
    if (!element) throw new Error(`#${id} is missing from the page`);
    return element;
  }

  /**
   * @param {string} tag
   * @param {Record<string, string | number>} [attrs]
   * @param {string} [text]
   */
  function el(tag, attrs = {}, text) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
    if (text !== undefined) element.textContent = text;
    return element;
  }

  /**
   * @param {string} tag
   * @param {Record<string, string | number>} [attrs]
   * @param {string} [title] tooltip
   */
  function svg(tag, attrs = {}, title) {
    const element = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
    if (title !== undefined) {
      const tooltip = document.createElementNS(SVG_NS, 'title');
      tooltip.textContent = title;
      element.appendChild(tooltip);
    }
    return element;
  }

  /** @param {number | null | undefined} ms */
  function fmtMs(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
    if (ms < 10) return `${ms.toFixed(1)} ms`;
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 10000) return `${(ms / 1000).toFixed(2)} s`;
    return `${(ms / 1000).toFixed(1)} s`;
  }

  /** Axis labels: round values, no trailing zeros ("500 ms", "2 s"). @param {number} ms */
  function fmtTick(ms) {
    return ms < 1000 ? `${Number(ms.toPrecision(2))} ms` : `${Number((ms / 1000).toPrecision(2))} s`;
  }

  /** @param {number} t */
  function fmtTime(t) {
    return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  }

  /** @param {number} ms */
  function fmtAgo(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 90) return `${s} s ago`;
    if (s < 5400) return `${Math.round(s / 60)} min ago`;
    return `${Math.round(s / 3600)} h ago`;
  }

  /** @param {ProbeRecord} r */
  function describeProbe(r) {
    const head = `${fmtTime(r.t)} · ${r.tenant} · ${r.result}`;
    if (r.result === 'ok') return `${head}\nreadable after ${fmtMs(r.ms)} (${r.readAttempts} reads, ${r.writeAttempts} writes)`;
    return `${head} at the ${r.stage} after ${fmtMs(r.ms)}\n${r.message ?? ''}`;
  }

  // ---- header, tiles, reasons ---------------------------------------------------------

  /** @param {DashboardState} s */
  function renderHeader(s) {
    const overall = byId('overall');
    overall.textContent = s.status;
    overall.className = `pill status-${s.status}`;
    overall.dataset['status'] = s.status;
    document.title = `Strata ${s.status.toUpperCase()} · prober`;
    const p = s.prober;
    byId('prober-meta').textContent =
      `prober ${p.instanceId} · every ${fmtMs(p.intervalMs)} · timeout ${fmtMs(p.timeoutMs)} · tenants ${p.tenants.join(', ')} · ingest ${p.ingestAddress} · reader ${p.readerAddress}`;
    const reasons = byId('reasons');
    reasons.replaceChildren(...s.reasons.map((reason) => el('li', {}, reason)));
  }

  /** @param {DashboardState} s */
  function renderTiles(s) {
    const recent = s.summary.last5m;
    byId('tile-p50').textContent = fmtMs(recent.p50);
    byId('tile-p99').textContent = fmtMs(recent.p99);
    const all = s.summary.window;
    const success = byId('tile-success');
    success.textContent = all.probes === 0 ? '–' : `${((100 * all.ok) / all.probes).toFixed(all.ok === all.probes ? 0 : 1)} % (${all.ok}/${all.probes})`;
    success.className = `tile-value ${all.failed > 0 ? 'bad' : all.probes > 0 ? 'ok' : ''}`;
    const newest = Object.values(s.latest).sort((a, b) => b.t - a.t)[0];
    const latest = byId('tile-latest');
    latest.textContent = newest ? `${newest.result === 'ok' ? fmtMs(newest.ms) : newest.result} · ${fmtAgo(s.generatedAt - newest.t)}` : '–';
    latest.className = `tile-value ${newest ? (newest.result === 'ok' ? 'ok' : 'bad') : ''}`;
  }

  // ---- time-to-readable chart ---------------------------------------------------------

  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].map((s) => s * 1000);

  /** @param {DashboardState} s */
  function drawChart(s) {
    const chart = byId('ttr-chart');
    const box = byId('chart-box');
    const width = Math.max(320, box.clientWidth);
    const height = Math.max(200, box.clientHeight);
    chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const m = { left: 60, right: 16, top: 30, bottom: 24 };
    const x0 = m.left;
    const x1 = width - m.right;
    const y0 = m.top;
    const y1 = height - m.bottom;
    const nodes = [];

    const probes = s.probes;
    const ok = probes.filter((p) => p.result === 'ok');
    const failed = probes.filter((p) => p.result !== 'ok');
    const tMax = s.generatedAt;
    let tMin = probes.length > 0 ? Math.max(s.window.fromMs, probes[0].t - 0.03 * (tMax - probes[0].t)) : tMax - 5 * 60000;
    tMin = Math.min(tMin, tMax - 60000);
    const x = (/** @type {number} */ t) => x0 + ((t - tMin) / (tMax - tMin)) * (x1 - x0);

    const values = ok.map((p) => p.ms).concat(s.quantiles.points.map((q) => q.p99));
    let lo = values.length ? Math.pow(10, Math.floor(Math.log10(Math.max(0.1, Math.min(...values))))) : 1;
    let hi = values.length ? Math.pow(10, Math.ceil(Math.log10(Math.max(...values) * 1.0001))) : s.prober.timeoutMs;
    if (Math.log10(hi) - Math.log10(lo) < 2) hi = lo * 100;
    const y = (/** @type {number} */ ms) => {
      const f = (Math.log10(Math.max(lo, Math.min(hi, ms))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
      return y1 - f * (y1 - y0);
    };

    // Failure band above the plot, y grid (log) and x grid (time).
    nodes.push(svg('rect', { class: 'fail-band', x: x0, y: 4, width: x1 - x0, height: 18, rx: 3 }));
    const bandLabel = svg('text', { x: x0 - 8, y: 17, 'text-anchor': 'end' });
    bandLabel.textContent = 'failed';
    nodes.push(bandLabel);
    const decades = Math.log10(hi) - Math.log10(lo);
    for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
      for (const k of decades <= 3 ? [1, 2, 5] : [1]) {
        const v = decade * k;
        if (v > hi * 1.0001) break;
        nodes.push(svg('line', { class: 'grid', x1: x0, x2: x1, y1: y(v), y2: y(v) }));
        const label = svg('text', { x: x0 - 8, y: y(v) + 4, 'text-anchor': 'end' });
        label.textContent = fmtTick(v);
        nodes.push(label);
      }
    }
    const step = TIME_STEPS.find((candidate) => (tMax - tMin) / candidate <= 8) ?? 3600000;
    for (let t = Math.ceil(tMin / step) * step; t <= tMax; t += step) {
      nodes.push(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: y0, y2: y1 }));
      const label = svg('text', { x: x(t), y: height - 6, 'text-anchor': 'middle' });
      label.textContent = fmtTime(t).slice(0, step >= 60000 ? 5 : 8);
      nodes.push(label);
    }
    nodes.push(svg('line', { class: 'axis', x1: x0, x2: x1, y1, y2: y1 }));
    nodes.push(svg('line', { class: 'axis', x1: x0, x2: x0, y1: y0, y2: y1 }));

    // Failures: a rule through the plot and a cross in the band.
    for (const f of failed) {
      const fx = x(f.t);
      const title = describeProbe(f);
      nodes.push(svg('line', { class: 'fail-rule', x1: fx, x2: fx, y1: y0, y2: y1 }));
      const cross = svg('g', { class: 'probe-fail', 'data-result': f.result, 'data-tenant': f.tenant }, title);
      cross.appendChild(svg('line', { x1: fx - 5, x2: fx + 5, y1: 8, y2: 18 }));
      cross.appendChild(svg('line', { x1: fx - 5, x2: fx + 5, y1: 18, y2: 8 }));
      cross.appendChild(svg('rect', { x: fx - 6, y: 6, width: 12, height: 14, fill: 'transparent', stroke: 'none' }));
      nodes.push(cross);
    }

    // p50 and p99 lines; a gap in the data is a gap in the line.
    for (const key of /** @type {const} */ (['p50', 'p99'])) {
      let d = '';
      let previous = -Infinity;
      for (const q of s.quantiles.points) {
        d += `${q.t - previous > 2 * s.quantiles.stepMs ? 'M' : 'L'}${x(q.t).toFixed(1)},${y(q[key]).toFixed(1)}`;
        previous = q.t;
      }
      if (d) nodes.push(svg('path', { class: `q-line ${key}`, d, 'data-testid': `line-${key}` }));
    }

    // One dot per successful probe, coloured per tenant.
    const tenants = s.prober.tenants;
    for (const p of ok) {
      const colour = Math.max(0, tenants.indexOf(p.tenant)) % 6;
      nodes.push(svg('circle', { class: `probe-dot ok t${colour}`, cx: x(p.t).toFixed(1), cy: y(p.ms).toFixed(1), r: 3, 'data-tenant': p.tenant }, describeProbe(p)));
    }

    if (probes.length === 0) {
      const note = svg('text', { class: 'empty-note', x: (x0 + x1) / 2, y: (y0 + y1) / 2, 'text-anchor': 'middle' });
      note.textContent = 'waiting for the first probe…';
      nodes.push(note);
    }
    chart.replaceChildren(...nodes);
  }

  // ---- components ------------------------------------------------------------------

  /** @param {readonly (number|null)[]} values */
  function sparkline(values) {
    const spark = svg('svg', { class: 'spark', viewBox: '0 0 64 18', preserveAspectRatio: 'none' });
    const numbers = values.filter((v) => v !== null && Number.isFinite(v)).map(Number);
    if (numbers.length < 2) return spark;
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    /** @type {string[]} */
    const points = [];
    values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      const px = values.length === 1 ? 64 : (i / (values.length - 1)) * 64;
      const py = max === min ? 9 : 16 - ((v - min) / (max - min)) * 14;
      points.push(`${px.toFixed(1)},${py.toFixed(1)}`);
    });
    spark.appendChild(svg('polyline', { points: points.join(' ') }));
    return spark;
  }

  /** @param {ComponentView} c */
  function componentCard(c) {
    const card = el('article', { class: 'component', 'data-component': c.name, 'data-ready': String(c.ready) });
    const head = el('header');
    head.append(el('h3', {}, c.name), el('span', { class: `badge ${c.ready ? 'ready' : 'not-ready'}`, 'data-testid': 'readiness' }, c.ready ? 'READY' : 'NOT READY'));
    card.appendChild(head);
    const problems = c.problems.concat(c.metricsProblem && c.ready ? [c.metricsProblem] : []);
    if (problems.length > 0) {
      const list = el('ul', { class: 'problems' });
      list.append(...problems.map((problem) => el('li', {}, problem)));
      card.appendChild(list);
    }
    const figures = el('dl', { class: 'figures' });
    for (const f of c.figures) {
      const row = el('div', { class: `figure level-${f.level}`, 'data-figure': f.key });
      row.append(el('dt', {}, f.label), el('dd', {}, f.text), sparkline(f.spark));
      figures.appendChild(row);
    }
    card.appendChild(figures);
    card.appendChild(el('footer', {}, `${c.opsUrl} · checked ${fmtTime(c.checkedAt)}`));
    return card;
  }

  /** @param {DashboardState} s */
  function renderComponents(s) {
    const container = byId('components');
    if (s.components.length === 0) {
      container.replaceChildren(el('p', { class: 'meta' }, 'checking the components…'));
      return;
    }
    container.replaceChildren(...s.components.map(componentCard));
  }

  // ---- failures table ---------------------------------------------------------------

  /** @param {DashboardState} s */
  function renderFailures(s) {
    const rows = s.probes
      .filter((p) => p.result !== 'ok')
      .slice(-20)
      .reverse()
      .map((p) => {
        const row = el('tr', { 'data-result': p.result });
        row.append(
          el('td', {}, fmtTime(p.t)),
          el('td', {}, p.tenant),
          el('td', { class: 'result' }, p.result),
          el('td', {}, p.stage === 'write' ? 'write (ingest)' : 'read (reader)'),
          el('td', {}, fmtMs(p.ms)),
          el('td', {}, p.message ?? ''),
        );
        return row;
      });
    const body = byId('failures');
    if (rows.length === 0) {
      const empty = el('tr', { class: 'empty' });
      empty.appendChild(el('td', { colspan: 6 }, 'none in the last hour'));
      body.replaceChildren(empty);
    } else {
      body.replaceChildren(...rows);
    }
  }

  // ---- polling ----------------------------------------------------------------------

  function renderFreshness() {
    const updated = byId('updated');
    const offline = byId('offline');
    const stale = lastUpdate === 0 || Date.now() - lastUpdate > 3 * POLL_MS;
    updated.textContent = lastUpdate === 0 ? 'waiting for the first update…' : `updated ${fmtAgo(Date.now() - lastUpdate)}`;
    updated.classList.toggle('stale', stale && lastUpdate !== 0);
    if (lastError && stale) {
      offline.hidden = false;
      offline.textContent = `Cannot reach the prober (${lastError}).${lastUpdate ? ` Showing data from ${fmtTime(lastUpdate)}.` : ''}`;
    } else {
      offline.hidden = true;
    }
  }

  function render() {
    if (!state) return;
    renderHeader(state);
    renderTiles(state);
    drawChart(state);
    renderComponents(state);
    renderFailures(state);
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let next;
  async function refresh() {
    clearTimeout(next);
    try {
      const response = await fetch('/api/state', { cache: 'no-store' });
      if (!response.ok) throw new Error(`/api/state answered ${response.status}`);
      state = /** @type {DashboardState} */ (await response.json());
      lastUpdate = Date.now();
      lastError = undefined;
      render();
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    renderFreshness();
    next = setTimeout(refresh, POLL_MS);
  }

  window.addEventListener('resize', () => state && drawChart(state));
  setInterval(renderFreshness, 1000);
  void refresh();
})();
