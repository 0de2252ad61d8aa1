/* Zhenggai auditor's report: draws every view from the JSON blocks in this file.
   Document words only ever enter the page as text nodes (textContent, createTextNode,
   setAttribute on our own attributes); nothing here parses data as markup. */
(function () {
  'use strict';

  // ------------------------------------------------------------ DOM helpers
  var SVGNS = 'http://www.w3.org/2000/svg';

  function append(n, kids) {
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k == null || k === false) continue;
      if (Array.isArray(k)) append(n, k);
      else if (typeof k === 'string' || typeof k === 'number') n.appendChild(document.createTextNode(String(k)));
      else n.appendChild(k);
    }
    return n;
  }

  function props(n, p) {
    if (!p) return;
    Object.keys(p).forEach(function (k) {
      var v = p[k];
      if (v == null || v === false) return;
      if (k === 'class') n.setAttribute('class', v);
      else if (k === 'text') n.textContent = String(v);
      else if (k === 'data') Object.keys(v).forEach(function (d) { n.setAttribute('data-' + d, String(v[d])); });
      else if (k.slice(0, 2) === 'on' && typeof v === 'function') n.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'selected') n[k] = v;
      else n.setAttribute(k, String(v));
    });
  }

  function el(tag, p) {
    var n = document.createElement(tag);
    props(n, p);
    return append(n, Array.prototype.slice.call(arguments, 2));
  }

  function sv(tag, p) {
    var n = document.createElementNS(SVGNS, tag);
    props(n, p);
    return append(n, Array.prototype.slice.call(arguments, 2));
  }

  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }
  function short(s, n) { s = String(s == null ? '' : s); return s.length > n ? s.slice(0, n - 1) + '…' : s; }
  function fmt(v) {
    if (v == null || v === '') return '';
    var x = Number(v);
    if (!isFinite(x)) return String(v);
    return Math.abs(x) >= 1e6 || Number.isInteger(x) ? String(x) : String(Math.round(x * 1e6) / 1e6);
  }

  // ------------------------------------------------------------ data
  var D = JSON.parse(document.getElementById('zg-data').textContent);
  function objs(t) {
    return t.rows.map(function (r, n) {
      var o = { n: n };
      t.cols.forEach(function (c, i) { o[c] = r[i]; });
      return o;
    });
  }
  var DOCS = objs(D.docs);
  var BYID = new Map(DOCS.map(function (d) { return [d.id, d]; }));
  var REG = objs(D.register);
  var IND = objs(D.indicators);
  var CHK = objs(D.checks);
  var S = D.summary;
  var STATUSES = D.statuses;
  var OKV = new Set(D.ok_verdicts);
  var STATUS_LABEL = { completed: 'completed 已完成', partial: 'partial 基本完成', in_progress: 'in progress 推进中',
    not_done: 'not done 未完成', unknown: 'unknown 未说明' };
  var STATUS_COLOR = { completed: '#2e8b57', partial: '#9acd32', in_progress: '#e0a100', not_done: '#c8372d', unknown: '#9aa3b2' };

  function failed(c) { return !OKV.has(String(c.verdict || '').trim().toLowerCase()); }
  function docLabel(i) { var d = DOCS[i]; return d ? (d.title || d.file) : ''; }

  var cache = new Map();
  function block(i) {
    if (cache.has(i)) { var hit = cache.get(i); cache.delete(i); cache.set(i, hit); return hit; }
    var n = document.getElementById('zg-doc-' + i);
    var b = n ? JSON.parse(n.textContent) : { t: '', s: [], f: [], p: [] };
    cache.set(i, b);
    if (cache.size > 40) cache.delete(cache.keys().next().value);
    return b;
  }

  // fact kinds: a colour each, a class each (by index, so no data reaches a selector)
  var KIND_COLORS = {
    date: ['#d4e6ff', '#4a86d8'], doc_number: ['#e6d9ff', '#7b56c9'], cited_doc: ['#d8f1d2', '#3f9a3a'],
    indicator: ['#ffd9ab', '#d97a00'], change: ['#ffd0de', '#cc3d6a'], quantity: ['#fbf0a6', '#b59a00'],
    org: ['#cdf1ee', '#1e9a8f'], person: ['#f6d3f6', '#b043b0'], place: ['#dcebc8', '#6d9a2e'],
    phone: ['#e4e7ec', '#7a8494'], email: ['#e4e7ec', '#7a8494'], standard: ['#f1ddc9', '#a8632a']
  };
  var EXTRA = [['#e0f3ff', '#2b8ac4'], ['#ffe6cc', '#c96b12'], ['#efe0ff', '#8f4fd6'], ['#e5f5d5', '#5a9a22'], ['#ffe0e6', '#c63a57']];
  var KINDS = D.kinds.slice();
  var KIDX = new Map(KINDS.map(function (k, i) { return [k, i]; }));
  (function styleKinds() {
    var sheet = document.createElement('style');
    document.head.appendChild(sheet);
    KINDS.forEach(function (k, i) {
      var c = KIND_COLORS[k] || EXTRA[i % EXTRA.length];
      sheet.sheet.insertRule('.k' + i + '{--c:' + c[0] + ';--b:' + c[1] + '}', sheet.sheet.cssRules.length);
      sheet.sheet.insertRule('.hide-k' + i + ' .k' + i + '{--c:transparent;--b:transparent;cursor:text}', sheet.sheet.cssRules.length);
    });
  })();
  var hiddenKinds = new Set();

  // ------------------------------------------------------------ routing
  function href(view, params) {
    var h = '#' + view;
    if (params) {
      var u = new URLSearchParams();
      Object.keys(params).forEach(function (k) { if (params[k] != null && params[k] !== '') u.set(k, params[k]); });
      var s = u.toString();
      if (s) h += '?' + s;
    }
    return h;
  }
  function go(view, params) {
    var h = href(view, params);
    if (location.hash === h) route(); else location.hash = h;
  }
  function parseHash() {
    var h = location.hash.replace(/^#/, '');
    var q = h.indexOf('?');
    return { view: (q < 0 ? h : h.slice(0, q)) || 'overview', params: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
  }
  function link(text, view, params, cls) {
    return el('a', { href: href(view, params), class: cls || null }, text);
  }
  function docLink(i, text, spans, cls) {
    var d = DOCS[i];
    if (!d) return el('span', { class: 'muted' }, text || '(unknown document)');
    var p = { id: d.id };
    if (spans && spans.length && spans[0]) { p.s = spans[0][0]; p.e = spans[0][1]; }
    return link(text || d.title || d.file, 'doc', p, cls);
  }

  var VIEWS = [
    ['overview', 'Overview 概览', null],
    ['indicators', 'Indicators 指标', function () { return IND.length; }],
    ['register', 'Problems 问题台账', function () { return REG.length; }],
    ['documents', 'Documents 文件', function () { return DOCS.length; }],
    ['checks', 'Checks 核查', function () { return S.checks_failed + ' ✗'; }]
  ];
  var nav = document.getElementById('nav');
  VIEWS.forEach(function (v) {
    nav.appendChild(el('a', { href: '#' + v[0], data: { view: v[0] } }, v[1], v[2] ? ' (' + v[2]() + ')' : ''));
  });

  var app = document.getElementById('app');
  function route() {
    var r = parseHash();
    var view = r.view;
    Array.prototype.forEach.call(nav.children, function (a) {
      var on = a.getAttribute('data-view') === (view === 'doc' ? 'documents' : view);
      a.className = on ? 'on' : '';
    });
    clear(app);
    var fn = { overview: renderOverview, indicators: renderIndicators, register: renderRegister,
      documents: renderDocuments, doc: renderDoc, checks: renderChecks }[view] || renderOverview;
    fn(app, r.params);
    if (view !== 'doc') window.scrollTo(0, 0);
  }
  window.addEventListener('hashchange', route);

  // ------------------------------------------------------------ charts
  function hbar(items, opt) {
    opt = opt || {};
    var rowH = 22, labelW = opt.labelW || 210, barW = opt.barW || 260, w = labelW + barW + 50;
    var max = Math.max.apply(null, items.map(function (x) { return x.value; }).concat([1]));
    var svg = sv('svg', { class: 'chart', width: w, height: items.length * rowH + 6, viewBox: '0 0 ' + w + ' ' + (items.length * rowH + 6),
      role: 'img', 'data-testid': opt.testid || null });
    items.forEach(function (it, n) {
      var y = n * rowH + 3;
      var g = sv('g', { class: 'bar', 'data-key': it.label, 'data-count': it.value });
      if (it.onclick) g.addEventListener('click', it.onclick);
      g.appendChild(sv('title', null, it.label + ': ' + it.value));
      g.appendChild(sv('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end' }, short(it.label, opt.chars || 16)));
      g.appendChild(sv('rect', { x: labelW, y: y + 3, height: rowH - 7, width: Math.max(1, it.value / max * barW), fill: it.color || '#5b8bd6', rx: 2 }));
      g.appendChild(sv('text', { x: labelW + it.value / max * barW + 5, y: y + 15 }, String(it.value)));
      svg.appendChild(g);
    });
    return svg;
  }

  function stacked(units, opt) {
    var rowH = 24, labelW = 230, barW = 420, w = labelW + barW + 50;
    var max = Math.max.apply(null, units.map(function (u) { return u.total; }).concat([1]));
    var svg = sv('svg', { class: 'chart', width: w, height: units.length * rowH + 6, viewBox: '0 0 ' + w + ' ' + (units.length * rowH + 6),
      role: 'img', 'data-testid': 'status-by-unit' });
    units.forEach(function (u, n) {
      var y = n * rowH + 3, x = labelW;
      var g = sv('g', { 'data-key': u.unit, 'data-count': u.total });
      g.appendChild(sv('text', { x: labelW - 6, y: y + 16, 'text-anchor': 'end' }, sv('title', null, u.unit), short(u.unit, 17)));
      STATUSES.forEach(function (st) {
        var c = u.counts[st] || 0;
        if (!c) return;
        var wd = c / max * barW;
        var r = sv('rect', { class: 'bar', x: x, y: y + 3, width: Math.max(1, wd), height: rowH - 8, fill: STATUS_COLOR[st],
          'data-status': st, 'data-count': c });
        r.appendChild(sv('title', null, u.unit + ' — ' + STATUS_LABEL[st] + ': ' + c));
        r.addEventListener('click', function () { go('register', { unit: u.unit, status: st }); });
        g.appendChild(r);
        if (wd > 14) g.appendChild(sv('text', { x: x + wd / 2, y: y + 16, 'text-anchor': 'middle', fill: '#fff', style: 'fill:#fff;pointer-events:none' }, String(c)));
        x += wd;
      });
      g.appendChild(sv('text', { x: x + 5, y: y + 16 }, String(u.total)));
      svg.appendChild(g);
    });
    return svg;
  }

  function vbar(items, opt) {
    opt = opt || {};
    var colW = Math.max(14, Math.min(40, Math.floor(560 / Math.max(1, items.length)))), h = 150, top = 14, bottom = 60;
    var w = Math.max(200, items.length * colW + 40);
    var max = Math.max.apply(null, items.map(function (x) { return x.value; }).concat([1]));
    var svg = sv('svg', { class: 'chart', width: w, height: h + top + bottom, viewBox: '0 0 ' + w + ' ' + (h + top + bottom),
      role: 'img', 'data-testid': opt.testid || null });
    items.forEach(function (it, n) {
      var x = 30 + n * colW, bh = it.value / max * h;
      var g = sv('g', { class: 'bar', 'data-key': it.label, 'data-count': it.value });
      if (it.onclick) g.addEventListener('click', it.onclick);
      g.appendChild(sv('title', null, it.label + ': ' + it.value));
      g.appendChild(sv('rect', { x: x + 2, y: top + h - bh, width: colW - 4, height: Math.max(1, bh), fill: it.color || '#5b8bd6', rx: 2 }));
      g.appendChild(sv('text', { x: x + colW / 2, y: top + h - bh - 3, 'text-anchor': 'middle' }, String(it.value)));
      g.appendChild(sv('text', { x: x + colW / 2, y: top + h + 12, 'text-anchor': 'end', transform: 'rotate(-45 ' + (x + colW / 2) + ' ' + (top + h + 12) + ')' }, it.label));
      svg.appendChild(g);
    });
    return svg;
  }

  function niceTicks(lo, hi, n) {
    if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var a = Math.floor(lo / step) * step, b = Math.ceil(hi / step) * step, out = [];
    for (var v = a; v <= b + step / 2; v += step) out.push(Math.round(v / step) * step);
    return out;
  }

  var ROLE_STYLE = {
    actual: { color: '#1f5fbf', dash: null, label: 'actual 实际' },
    target: { color: '#e07b00', dash: '6 4', label: 'target 目标' },
    baseline: { color: '#7d8799', dash: '2 3', label: 'baseline 基数' }
  };
  function roleStyle(r) { return ROLE_STYLE[r] || { color: '#8f4fd6', dash: '1 3', label: r }; }
  function day(s) { var t = Date.parse(s + 'T00:00:00Z'); return isFinite(t) ? t : null; }

  function lineChart(rows) {
    var W = 620, H = 230, L = 58, R = 14, T = 12, B = 30;
    var pts = [];
    rows.forEach(function (r) {
      var x = day(r.pend), x0 = day(r.pstart);
      if (x == null && DOCS[r.doc]) { x = day(DOCS[r.doc].date); x0 = x; }
      if (x == null) return;
      pts.push({ r: r, x: x, x0: x0 == null ? x : x0, y: r.value });
    });
    var svg = sv('svg', { class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    if (!pts.length) {
      svg.appendChild(sv('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no dated values 无可定位时间的数值'));
      return svg;
    }
    var xs = pts.map(function (p) { return p.x; }).concat(pts.map(function (p) { return p.x0; }));
    var xmin = Math.min.apply(null, xs), xmax = Math.max.apply(null, xs), YEAR = 365.25 * 864e5;
    if (xmax - xmin < YEAR / 2) { xmin -= YEAR / 4; xmax += YEAR / 4; }
    var pad = (xmax - xmin) * 0.05; xmin -= pad; xmax += pad;
    var ys = pts.map(function (p) { return p.y; });
    var ylo = Math.min.apply(null, ys), yhi = Math.max.apply(null, ys);
    if (ylo > 0 && ylo < 0.35 * yhi) ylo = 0;
    var ticks = niceTicks(ylo, yhi, 4);
    ylo = ticks[0]; yhi = ticks[ticks.length - 1];
    function X(t) { return L + (t - xmin) / (xmax - xmin) * (W - L - R); }
    function Y(v) { return T + (1 - (v - ylo) / ((yhi - ylo) || 1)) * (H - T - B); }
    var grid = sv('g', { class: 'grid' }), axis = sv('g', { class: 'axis' });
    ticks.forEach(function (v) {
      grid.appendChild(sv('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v) }));
      axis.appendChild(sv('text', { x: L - 5, y: Y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
    });
    var y0 = new Date(xmin).getUTCFullYear(), y1 = new Date(xmax).getUTCFullYear();
    var monthly = y1 - y0 < 2;
    for (var y = y0; y <= y1 + 1; y++) {
      for (var m = 0; m < 12; m += (monthly ? 3 : 12)) {
        var t = Date.UTC(y, m, 1);
        if (t < xmin || t > xmax) continue;
        grid.appendChild(sv('line', { x1: X(t), x2: X(t), y1: T, y2: H - B }));
        axis.appendChild(sv('text', { x: X(t), y: H - B + 14, 'text-anchor': 'middle' }, monthly ? y + '-' + String(m + 1).padStart(2, '0') : String(y)));
      }
    }
    axis.appendChild(sv('line', { x1: L, x2: W - R, y1: H - B, y2: H - B }));
    axis.appendChild(sv('line', { x1: L, x2: L, y1: T, y2: H - B }));
    svg.appendChild(grid); svg.appendChild(axis);
    var roles = {};
    pts.forEach(function (p) { (roles[p.r.role] = roles[p.r.role] || []).push(p); });
    Object.keys(roles).forEach(function (role) {
      var st = roleStyle(role), list = roles[role].sort(function (a, b) { return a.x - b.x; });
      // a line only through a clean time series: one value per period end (documents agreeing count once)
      var uniq = new Map();
      list.forEach(function (p) { uniq.set(p.x + '|' + p.y, p); });
      var line = Array.from(uniq.values()), xs1 = new Set(line.map(function (p) { return p.x; }));
      if (line.length > 1 && xs1.size === line.length) {
        svg.appendChild(sv('polyline', { fill: 'none', stroke: st.color, 'stroke-width': 1.6, 'stroke-dasharray': st.dash,
          points: line.map(function (p) { return X(p.x) + ',' + Y(p.y); }).join(' ') }));
      }
      list.forEach(function (p) {
        if (p.x0 < p.x) svg.appendChild(sv('line', { x1: X(p.x0), x2: X(p.x), y1: Y(p.y), y2: Y(p.y), stroke: st.color, 'stroke-width': 4, 'stroke-opacity': 0.22, 'stroke-linecap': 'round' }));
      });
    });
    Object.keys(roles).forEach(function (role) {
      var st = roleStyle(role);
      roles[role].forEach(function (p) {
        var cx = X(p.x), cy = Y(p.y), r = p.r, shape;
        if (role === 'target') shape = sv('path', { d: 'M' + cx + ' ' + (cy - 7) + 'L' + (cx + 7) + ' ' + cy + 'L' + cx + ' ' + (cy + 7) + 'L' + (cx - 7) + ' ' + cy + 'Z' });
        else if (role === 'baseline') shape = sv('rect', { x: cx - 5, y: cy - 5, width: 10, height: 10 });
        else shape = sv('circle', { cx: cx, cy: cy, r: 5.5 });
        var d = DOCS[r.doc];
        props(shape, { class: 'pt', fill: st.color, 'data-testid': 'ind-point', 'data-doc': d ? d.id : '', 'data-s': r.s, 'data-e': r.e });
        shape.appendChild(sv('title', null, (r.period || '?') + ' · ' + fmt(r.value) + ' ' + (r.unit || '') + ' · ' + st.label +
          '\n' + (d ? (d.date || '') + ' ' + (d.title || d.file) : '') + (r.text ? '\n“' + r.text + '”' : '')));
        if (d) shape.addEventListener('click', function () { go('doc', { id: d.id, s: r.s, e: r.e }); });
        svg.appendChild(shape);
      });
    });
    return svg;
  }

  function legend(items) {
    return el('div', { class: 'legend' }, items.map(function (it) {
      return el('span', null, el('span', { class: 'sw', style: 'background:' + it[1] }), it[0]);
    }));
  }

  function pager(state, total, size, redraw) {
    var pages = Math.max(1, Math.ceil(total / size));
    if (state.page >= pages) state.page = pages - 1;
    var a = total ? state.page * size + 1 : 0, b = Math.min(total, (state.page + 1) * size);
    return el('div', { class: 'pager' },
      el('button', { disabled: state.page <= 0, onclick: function () { state.page--; redraw(); } }, '‹ prev'),
      el('span', { class: 'muted', 'data-testid': 'pager-info' }, a + '–' + b + ' of ' + total),
      el('button', { disabled: state.page >= pages - 1, onclick: function () { state.page++; redraw(); } }, 'next ›'));
  }

  function select(label, options, value, onchange, testid) {
    var s = el('select', { 'data-testid': testid || null, onchange: function () { onchange(s.value); } },
      el('option', { value: '' }, 'all'),
      options.map(function (o) {
        var v = Array.isArray(o) ? o[0] : o, t = Array.isArray(o) ? o[1] : o;
        return el('option', { value: v, selected: v === value }, t);
      }));
    s.value = value || '';
    return el('label', null, label, s);
  }

  // ------------------------------------------------------------ overview
  function stat(label, n, testid, bad) {
    return el('div', { class: 'stat' + (bad ? ' bad' : '') }, el('div', { class: 'n', 'data-testid': testid, 'data-count': n }, String(n)), el('div', { class: 'l' }, label));
  }

  function renderOverview(root) {
    root.appendChild(el('div', { class: 'stats' },
      stat('documents 文件', S.documents, 'count-documents'),
      stat('read ok', S.ok, 'count-ok'),
      stat('failed to read', S.error, 'count-error', S.error > 0),
      stat('problems 问题', S.problems, 'count-problems'),
      stat('facts 事实', S.facts, 'count-facts'),
      stat('indicator values 指标值', S.indicators, 'count-indicators'),
      stat('checks failed 核查未通过', S.checks_failed, 'count-checks-failed', S.checks_failed > 0)));

    var bad = CHK.filter(failed);
    var fc = el('div', { class: 'card', 'data-testid': 'failed-checks' }, el('h2', null, 'Checks that failed 未通过的核查 (' + bad.length + ')'));
    if (!bad.length) fc.appendChild(el('p', { class: 'empty' }, CHK.length ? 'All ' + CHK.length + ' checks passed.' : 'No checks in this run (' + D.checks.source + ').'));
    bad.slice(0, 12).forEach(function (c) { fc.appendChild(checkLine(c)); });
    if (bad.length > 12) fc.appendChild(link('all ' + bad.length + ' failed checks →', 'checks'));
    root.appendChild(fc);

    var errs = DOCS.filter(function (d) { return d.status !== 'ok'; });
    if (errs.length) {
      root.appendChild(el('div', { class: 'card' }, el('h2', null, 'Documents that could not be read (' + errs.length + ')'),
        el('ul', null, errs.slice(0, 50).map(function (d) { return el('li', null, el('code', null, d.file), ' — ', d.error || d.status); }))));
    }

    var units = Object.keys(S.status_by_unit).map(function (u) {
      var c = S.status_by_unit[u], t = 0;
      Object.keys(c).forEach(function (k) { t += c[k]; });
      return { unit: u, counts: c, total: t };
    });
    var sc = el('div', { class: 'card' }, el('h2', null, 'Problems by status per unit 各单位问题整改状态'),
      legend(STATUSES.map(function (s) { return [STATUS_LABEL[s], STATUS_COLOR[s]]; })),
      el('p', { class: 'small muted' }, 'Click a bar to list those problems in the register.'));
    var holder = el('div');
    var showAll = false;
    function drawUnits() {
      clear(holder);
      holder.appendChild(units.length ? stacked(showAll ? units : units.slice(0, 25)) : el('p', { class: 'empty' }, 'No problems found.'));
      if (units.length > 25) holder.appendChild(el('button', { onclick: function () { showAll = !showAll; drawUnits(); } }, showAll ? 'top 25 only' : 'show all ' + units.length + ' units'));
    }
    drawUnits();
    sc.appendChild(holder);
    root.appendChild(sc);

    function counts(obj, view, key, limit) {
      return Object.keys(obj).slice(0, limit || 1e9).map(function (k) {
        var p = {}; p[key] = k;
        return { label: k, value: obj[k], onclick: view ? function () { go(view, p); } : null };
      });
    }
    var months = S.by_month, mk = Object.keys(months), dated = mk.filter(function (k) { return /^\d{4}/.test(k); });
    var dateItems;
    if (dated.length > 36) {
      var years = {};
      mk.forEach(function (k) { var y = /^\d{4}/.test(k) ? k.slice(0, 4) : k; years[y] = (years[y] || 0) + months[k]; });
      dateItems = Object.keys(years).sort().map(function (k) { return { label: k, value: years[k], onclick: function () { go('documents', { date: k }); } }; });
    } else {
      dateItems = mk.map(function (k) { return { label: k, value: months[k], onclick: function () { go('documents', { date: k }); } }; });
    }
    var nUnits = Object.keys(S.by_unit).length;
    root.appendChild(el('div', { class: 'grid2' },
      el('div', { class: 'card' }, el('h2', null, 'Documents by type 文种'), hbar(counts(S.by_type, 'documents', 'type'), { testid: 'by-type' })),
      el('div', { class: 'card' }, el('h2', null, 'Documents by issuer 发文单位' + (nUnits > 20 ? ' (top 20 of ' + nUnits + ')' : '')),
        hbar(counts(S.by_unit, 'documents', 'unit', 20), { testid: 'by-unit', chars: 15 })),
      el('div', { class: 'card' }, el('h2', null, 'Documents by date 成文日期'), vbar(dateItems, { testid: 'by-date' })),
      el('div', { class: 'card' }, el('h2', null, 'Facts by kind 抽取事实'), hbar(counts(S.facts_by_kind), { testid: 'by-kind' }))));
  }

  function checkLine(c) {
    var kids = [el('span', { class: 'badge ' + (failed(c) ? 'fail' : 'pass') }, c.verdict || '?'), ' ', el('b', null, c.kind), ' '];
    if (c.message) kids.push(c.message, ' ');
    else kids.push(el('span', { class: 'kv' }, Object.keys(c.values || {}).slice(0, 4).map(function (k) { return k + ' ' + c.values[k]; }).join(' · ')), ' ');
    [c.a, c.b].forEach(function (side, n) {
      if (!side) return;
      kids.push(el('span', { class: 'small' }, n ? ' ↔ ' : ' — ', docLink(side[0], short(docLabel(side[0]) || side[2], 32), side[1])));
    });
    return el('div', { class: 'small', style: 'margin:3px 0' }, kids);
  }

  // ------------------------------------------------------------ indicators
  var indState = { subject: '', indicator: '', q: '', page: 0 };
  function renderIndicators(root, params) {
    var series = D.indicators.series;
    if (params.get('subject') != null || params.get('indicator') != null) {
      indState = { subject: params.get('subject') || '', indicator: params.get('indicator') || '', q: '', page: 0 };
    }
    root.appendChild(el('h2', null, 'Indicators 指标 — values over time, actual against target'));
    root.appendChild(el('p', { class: 'small muted' }, IND.length + ' values in ' + series.length + ' series (subject × indicator × unit), from ' + D.indicators.source +
      '. Each point sits at the end of its period; a faint bar spans the period. Click a point to open its words in the document.'));
    if (!series.length) { root.appendChild(el('p', { class: 'empty' }, 'No indicator values in this run.')); return; }
    var subjects = Array.from(new Set(series.map(function (g) { return g.subject; }))).sort();
    var inds = Array.from(new Set(series.map(function (g) { return g.indicator; }))).sort();
    var out = el('div');
    function redraw() {
      clear(out);
      var q = indState.q.trim();
      var list = series.filter(function (g) {
        return (!indState.subject || g.subject === indState.subject) && (!indState.indicator || g.indicator === indState.indicator) &&
          (!q || (g.subject + ' ' + g.indicator).indexOf(q) >= 0);
      });
      var size = 10;
      out.appendChild(pager(indState, list.length, size, redraw));
      list.slice(indState.page * size, indState.page * size + size).forEach(function (g) { out.appendChild(seriesCard(g)); });
      if (list.length > size) out.appendChild(pager(indState, list.length, size, redraw));
    }
    var search = el('input', { type: 'search', placeholder: 'filter 筛选', value: indState.q, oninput: function () { indState.q = search.value; indState.page = 0; redraw(); } });
    root.appendChild(el('div', { class: 'filters' },
      select('subject 主体', subjects, indState.subject, function (v) { indState.subject = v; indState.page = 0; redraw(); }, 'ind-subject'),
      select('indicator 指标', inds, indState.indicator, function (v) { indState.indicator = v; indState.page = 0; redraw(); }, 'ind-indicator'),
      search));
    root.appendChild(out);
    redraw();
  }

  function seriesCard(g) {
    var rows = g.rows.map(function (n) { return IND[n]; });
    var roles = Array.from(new Set(rows.map(function (r) { return r.role; })));
    var card = el('div', { class: 'card', 'data-testid': 'ind-series' },
      el('h3', null, g.subject, g.own ? el('span', { class: 'small muted' }, ' (the document\'s unit; the text names no subject)') : null, ' · ', el('b', null, g.indicator), g.unit ? ' (' + g.unit + ')' : ''),
      legend(roles.map(function (r) { var s = roleStyle(r); return [s.label, s.color]; })));
    var wrap = el('div', { style: 'display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start' });
    wrap.appendChild(lineChart(rows));
    var sorted = rows.slice().sort(function (a, b) { return (a.pend || '').localeCompare(b.pend || '') || a.role.localeCompare(b.role); });
    wrap.appendChild(el('div', { style: 'flex:1;min-width:300px;max-height:230px;overflow:auto' },
      el('table', { class: 't' }, el('thead', null, el('tr', null, ['period 期间', 'value', 'role', 'words 原文', 'document'].map(function (h) { return el('th', null, h); }))),
        el('tbody', null, sorted.map(function (r) {
          var d = DOCS[r.doc];
          return el('tr', null, el('td', null, r.period || ''), el('td', { class: 'num' }, fmt(r.value)), el('td', null, r.role),
            el('td', null, r.s != null && d ? link(short(r.text || '(words)', 30), 'doc', { id: d.id, s: r.s, e: r.e }, 'ind-link') : short(r.text, 30)),
            el('td', { class: 'small' }, d ? (d.date || '') + ' ' + short(d.title || d.file, 24) : ''));
        })))));
    card.appendChild(wrap);
    return card;
  }

  // ------------------------------------------------------------ problem register
  var regState = { q: '', unit: '', group: '', status: '', from: '', to: '', sort: 'date', dir: -1, page: 0 };
  var STATUS_ORDER = {};
  STATUSES.forEach(function (s, i) { STATUS_ORDER[s] = i; });
  var cmp = new Intl.Collator('zh-CN', { numeric: true });

  function renderRegister(root, params) {
    if (['q', 'unit', 'group', 'status', 'from', 'to'].some(function (k) { return params.get(k) != null; })) {
      regState = { q: params.get('q') || '', unit: params.get('unit') || '', group: params.get('group') || '', status: params.get('status') || '',
        from: params.get('from') || '', to: params.get('to') || '', sort: 'date', dir: -1, page: 0 };
    }
    root.appendChild(el('h2', null, 'Problem register 问题台账'));
    root.appendChild(el('p', { class: 'small muted' }, REG.length + ' problems from ' + D.register.source + '. Click a row to open its document at the problem.'));
    var unitCount = {};
    REG.forEach(function (r) { unitCount[r.unit] = (unitCount[r.unit] || 0) + 1; });
    var units = Object.keys(unitCount).sort(function (a, b) { return unitCount[b] - unitCount[a] || cmp.compare(a, b); });
    var groups = Array.from(new Set(REG.map(function (r) { return r.group; }).filter(Boolean))).sort(cmp.compare);
    var present = new Set(REG.map(function (r) { return r.status; }));
    var statuses = STATUSES.filter(function (s) { return present.has(s); }).concat(Array.from(present).filter(function (s) { return !(s in STATUS_ORDER); }));
    var body = el('div');
    function set(k) { return function (v) { regState[k] = v; regState.page = 0; draw(); }; }
    var q = el('input', { type: 'search', placeholder: 'search title, category, words 搜索', value: regState.q, 'data-testid': 'reg-search',
      oninput: function () { regState.q = q.value; regState.page = 0; draw(); } });
    var from = el('input', { type: 'date', value: regState.from, 'data-testid': 'reg-from', onchange: function () { set('from')(from.value); } });
    var to = el('input', { type: 'date', value: regState.to, 'data-testid': 'reg-to', onchange: function () { set('to')(to.value); } });
    root.appendChild(el('div', { class: 'filters' }, q,
      select('unit 单位', units.map(function (u) { return [u, short(u, 24) + ' (' + unitCount[u] + ')']; }), regState.unit, set('unit'), 'reg-unit'),
      select('group 类别', groups, regState.group, set('group'), 'reg-group'),
      select('status 状态', statuses.map(function (s) { return [s, STATUS_LABEL[s] || s]; }), regState.status, set('status'), 'reg-status'),
      el('label', null, 'from', from), el('label', null, 'to', to),
      el('button', { onclick: function () { regState = { q: '', unit: '', group: '', status: '', from: '', to: '', sort: 'date', dir: -1, page: 0 }; go('register'); } }, 'reset')));
    root.appendChild(body);
    var COLS = [['unit', 'unit 单位'], ['date', 'date 日期'], ['number', 'no.'], ['group', 'group 类别'], ['category', 'category 问题类别'],
      ['title', 'problem 问题'], ['status', 'status 状态'], ['words', 'status words 依据'], ['responsible', 'responsible 责任单位']];
    function key(r, k) { return k === 'status' ? String(STATUS_ORDER[r.status] != null ? STATUS_ORDER[r.status] : 99) : k === 'responsible' ? r.responsible.join('；') : String(r[k] || ''); }
    function draw() {
      clear(body);
      var t = regState.q.trim();
      var list = REG.filter(function (r) {
        if (regState.unit && r.unit !== regState.unit) return false;
        if (regState.group && r.group !== regState.group) return false;
        if (regState.status && r.status !== regState.status) return false;
        if (regState.from && !(r.date && r.date >= regState.from)) return false;
        if (regState.to && !(r.date && r.date <= regState.to)) return false;
        if (t && [r.title, r.category, r.group, r.words, r.unit, r.number, r.responsible.join('；')].join('\n').indexOf(t) < 0) return false;
        return true;
      });
      list.sort(function (a, b) { return regState.dir * cmp.compare(key(a, regState.sort), key(b, regState.sort)) || a.n - b.n; });
      body.appendChild(el('p', { class: 'small' }, el('b', { 'data-testid': 'reg-count', 'data-count': list.length }, String(list.length)), ' of ' + REG.length + ' problems match.'));
      var size = 50;
      body.appendChild(pager(regState, list.length, size, draw));
      var head = el('tr', null, COLS.map(function (c) {
        var cls = 'sort' + (regState.sort === c[0] ? (regState.dir > 0 ? ' asc' : ' desc') : '');
        return el('th', { class: cls, 'data-col': c[0], onclick: function () {
          if (regState.sort === c[0]) regState.dir = -regState.dir; else { regState.sort = c[0]; regState.dir = 1; }
          draw();
        } }, c[1]);
      }));
      var rows = list.slice(regState.page * size, regState.page * size + size).map(function (r) {
        var d = DOCS[r.doc];
        var open = function () { if (d) go('doc', { id: d.id, p: r.pid }); };
        return el('tr', { class: 'row', 'data-testid': 'reg-row', 'data-doc': d ? d.id : '', 'data-pid': r.pid, onclick: open },
          el('td', null, r.unit), el('td', { style: 'white-space:nowrap' }, r.date || ''), el('td', null, r.number || ''), el('td', null, r.group || ''),
          el('td', null, r.category || ''), el('td', null, d ? el('a', { href: href('doc', { id: d.id, p: r.pid }) }, r.title || '(untitled)') : r.title),
          el('td', null, el('span', { class: 'badge ' + (STATUS_ORDER[r.status] != null ? r.status : 'unknown') }, r.status)),
          el('td', { class: 'small' }, r.words || ''), el('td', { class: 'small' }, r.responsible.join('；')));
      });
      body.appendChild(el('table', { class: 't', 'data-testid': 'register' }, el('thead', null, head), el('tbody', null, rows)));
      if (list.length > size) body.appendChild(pager(regState, list.length, size, draw));
    }
    draw();
  }

  // ------------------------------------------------------------ document list
  var docState = { q: '', type: '', unit: '', date: '', sort: 'date', dir: -1, page: 0 };
  function renderDocuments(root, params) {
    if (['q', 'type', 'unit', 'date'].some(function (k) { return params.get(k) != null; })) {
      docState = { q: params.get('q') || '', type: params.get('type') || '', unit: params.get('unit') || '', date: params.get('date') || '', sort: 'date', dir: -1, page: 0 };
    }
    root.appendChild(el('h2', null, 'Documents 文件'));
    var types = Array.from(new Set(DOCS.map(function (d) { return d.type; }).filter(Boolean))).sort(cmp.compare);
    var units = Array.from(new Set(DOCS.map(function (d) { return d.unit; }))).sort(cmp.compare);
    var body = el('div');
    function set(k) { return function (v) { docState[k] = v; docState.page = 0; draw(); }; }
    var q = el('input', { type: 'search', placeholder: 'search title, number, file 搜索', value: docState.q, 'data-testid': 'doc-search',
      oninput: function () { docState.q = q.value; docState.page = 0; draw(); } });
    root.appendChild(el('div', { class: 'filters' }, q, select('type 文种', types, docState.type, set('type')),
      select('issuer 单位', units, docState.unit, set('unit')),
      docState.date ? el('span', { class: 'small' }, 'dated ' + docState.date + ' ', el('button', { onclick: function () { set('date')(''); } }, '×')) : null));
    root.appendChild(body);
    var COLS = [['date', 'date 日期'], ['type', 'type 文种'], ['unit', 'issuer 单位'], ['title', 'title 标题'], ['number', 'number 文号'],
      ['nprob', 'problems'], ['nfact', 'facts'], ['status', 'status']];
    function draw() {
      clear(body);
      var t = docState.q.trim();
      var list = DOCS.filter(function (d) {
        if (docState.type && d.type !== docState.type) return false;
        if (docState.unit && d.unit !== docState.unit) return false;
        if (docState.date && (docState.date.charAt(0) === '（' ? d.date : (d.date || '').indexOf(docState.date) !== 0)) return false;
        if (t && [d.title, d.number, d.file, d.issuers.join('；'), d.id].join('\n').indexOf(t) < 0) return false;
        return true;
      });
      list.sort(function (a, b) {
        var k = docState.sort, x = a[k], y = b[k];
        var c = typeof x === 'number' ? x - y : cmp.compare(String(x || ''), String(y || ''));
        return docState.dir * c || a.n - b.n;
      });
      body.appendChild(el('p', { class: 'small' }, el('b', { 'data-testid': 'doc-count' }, String(list.length)), ' of ' + DOCS.length + ' documents.'));
      var size = 50;
      body.appendChild(pager(docState, list.length, size, draw));
      var head = el('tr', null, COLS.map(function (c) {
        return el('th', { class: 'sort' + (docState.sort === c[0] ? (docState.dir > 0 ? ' asc' : ' desc') : ''), onclick: function () {
          if (docState.sort === c[0]) docState.dir = -docState.dir; else { docState.sort = c[0]; docState.dir = 1; }
          draw();
        } }, c[1]);
      }));
      body.appendChild(el('table', { class: 't' }, el('thead', null, head), el('tbody', null,
        list.slice(docState.page * size, docState.page * size + size).map(function (d) {
          return el('tr', { class: 'row', 'data-testid': 'doc-row', onclick: function () { go('doc', { id: d.id }); } },
            el('td', { style: 'white-space:nowrap' }, d.date || ''), el('td', null, d.type || ''), el('td', null, d.unit),
            el('td', null, el('a', { href: href('doc', { id: d.id }) }, d.title || d.file)), el('td', null, d.number || ''),
            el('td', { class: 'num' }, String(d.nprob)), el('td', { class: 'num' }, String(d.nfact)),
            el('td', null, d.status === 'ok' ? 'ok' : el('span', { class: 'badge not_done', title: d.error }, d.status)));
        }))));
    }
    draw();
  }

  // ------------------------------------------------------------ text with marks
  // spans: {s, e, cls, f (index into facts or null), order}; returns a fragment of text nodes and nested <mark>s.
  function markText(text, spans) {
    var pts = [0, text.length];
    spans = spans.filter(function (sp) { return sp.s != null && sp.e != null && sp.e > sp.s && sp.s >= 0 && sp.e <= text.length; });
    spans.forEach(function (sp) { pts.push(sp.s, sp.e); });
    pts = Array.from(new Set(pts)).sort(function (a, b) { return a - b; });
    var bySt = spans.slice().sort(function (a, b) { return a.s - b.s || (b.e - b.s) - (a.e - a.s); });
    var frag = document.createDocumentFragment(), active = [], j = 0;
    for (var k = 0; k < pts.length - 1; k++) {
      var a = pts[k], b = pts[k + 1];
      active = active.filter(function (sp) { return sp.e > a; });
      while (j < bySt.length && bySt[j].s <= a) { if (bySt[j].e > a) active.push(bySt[j]); j++; }
      var txt = document.createTextNode(text.slice(a, b));
      if (!active.length) { frag.appendChild(txt); continue; }
      var ordered = active.slice().sort(function (x, y) { return (y.e - y.s) - (x.e - x.s) || (x.order || 0) - (y.order || 0); });
      var outer = null, inner = null;
      ordered.forEach(function (sp) {
        var m = document.createElement('mark');
        m.className = sp.cls;
        if (sp.f != null) m.setAttribute('data-f', sp.f);
        if (sp.kind) m.setAttribute('data-kind', sp.kind);
        if (sp.sec != null) m.setAttribute('data-sec', sp.sec);
        if (sp.s === a && sp.anchor) m.setAttribute('data-anchor', sp.anchor);
        if (!outer) outer = m; else inner.appendChild(m);
        inner = m;
      });
      inner.appendChild(txt);
      frag.appendChild(outer);
    }
    return frag;
  }

  // ------------------------------------------------------------ document view
  function renderDoc(root, params) {
    var d = BYID.get(params.get('id') || '');
    if (!d) {
      root.appendChild(el('p', { class: 'empty' }, 'No such document here: ', params.get('id') || '(none)', '. '));
      root.appendChild(link('all documents', 'documents'));
      return;
    }
    var b = block(d.n), text = b.t;
    var facts = b.f.map(function (f, i) {
      return { i: i, id: f[0], kind: f[1], s: f[2], e: f[3], norm: f[4], value: f[5], unit: f[6], name: f[7], period: f[8], role: f[9], sec: f[10], pid: f[11], attrs: f[12] };
    });
    var sections = b.s.map(function (s) { return { id: s[0], parent: s[1], level: s[2], number: s[3], heading: s[4], type: s[5], s: s[6], e: s[7] }; });
    var problems = b.p.map(function (p) {
      return { id: p[0], number: p[1], category: p[2], title: p[3], status: p[4], words: p[5], s: p[6], e: p[7], ts: p[8], ws: p[9], responsible: p[10] };
    });

    // what to mark: a fact, a range, a problem
    var focus = [], region = null, chosen = null;
    var fid = params.get('f');
    if (fid) { var ff = facts.filter(function (f) { return f.id === fid; })[0]; if (ff) { focus.push([ff.s, ff.e]); chosen = [ff]; } }
    var s0 = params.get('s'), e0 = params.get('e');
    if (s0 != null && e0 != null && s0 !== '' && isFinite(+s0) && isFinite(+e0)) {
      focus.push([+s0, +e0]);
      chosen = facts.filter(function (f) { return f.s === +s0 && f.e === +e0; });
    }
    var pid = params.get('p'), prob = null;
    if (pid) {
      prob = problems.filter(function (p) { return p.id === pid; })[0];
      if (prob) {
        region = [prob.s, prob.e];
        if (prob.ts) focus.push(prob.ts);
        if (prob.ws) focus.push(prob.ws);
        if (!prob.ts && !prob.ws) focus.push([prob.s, Math.min(prob.e, prob.s + 40)]);
      }
    }

    var idx = d.n;
    root.appendChild(el('div', { class: 'filters' },
      link('← documents', 'documents'),
      el('button', { disabled: idx <= 0, onclick: function () { go('doc', { id: DOCS[idx - 1].id }); } }, '‹ previous'),
      el('button', { disabled: idx >= DOCS.length - 1, onclick: function () { go('doc', { id: DOCS[idx + 1].id }); } }, 'next ›'),
      el('span', { class: 'small muted' }, (idx + 1) + ' / ' + DOCS.length)));
    root.appendChild(el('h2', { 'data-testid': 'doc-title' }, d.title || d.file));
    root.appendChild(el('div', { class: 'meta-line' },
      d.type ? el('span', null, d.type) : null, d.issuers.length ? el('span', null, d.issuers.join('；')) : null,
      d.number ? el('span', null, d.number) : null, d.date ? el('span', null, d.date) : null,
      el('span', null, el('code', null, d.file)), el('span', null, d.chars + ' chars')));
    if (d.status !== 'ok') root.appendChild(el('p', { class: 'badge not_done' }, 'not read: ' + (d.error || d.status)));

    var textBox = el('div', { class: 'doctext', id: 'doctext', 'data-testid': 'doc-text' });
    hiddenKinds.forEach(function (k) { if (KIDX.has(k)) textBox.classList.add('hide-k' + KIDX.get(k)); });

    // side: legend with a toggle per kind, the chosen fact, problems, outline
    var kindCount = {};
    facts.forEach(function (f) { kindCount[f.kind] = (kindCount[f.kind] || 0) + 1; });
    var kindsBox = el('div', { class: 'kinds', 'data-testid': 'kind-toggles' }, Object.keys(kindCount).sort().map(function (k) {
      var i = KIDX.get(k);
      var cb = el('input', { type: 'checkbox', checked: !hiddenKinds.has(k), 'data-kind': k });
      var lab = el('label', { class: 'k' + i + (hiddenKinds.has(k) ? ' off' : '') }, cb, el('span', { class: 'sw' }), k + ' ' + kindCount[k]);
      cb.addEventListener('change', function () {
        if (cb.checked) hiddenKinds.delete(k); else hiddenKinds.add(k);
        textBox.classList.toggle('hide-k' + i, !cb.checked);
        if (!cb.checked) textBox.querySelectorAll('mark.sel.k' + i).forEach(function (x) { x.classList.remove('sel', 'focus'); });
        lab.classList.toggle('off', !cb.checked);
      });
      return lab;
    }));
    var factBox = el('div', { class: 'factbox', 'data-testid': 'fact-box' });
    function showFacts(list) {
      clear(factBox);
      if (!list || !list.length) { factBox.appendChild(el('p', { class: 'empty' }, 'Click a highlighted span to see its fact.')); return; }
      list.forEach(function (f) {
        var dl = el('dl');
        function row(k, v) { if (v != null && v !== '' && !(typeof v === 'object' && !Object.keys(v).length)) dl.appendChild(el('dt', null, k)), dl.appendChild(el('dd', null, typeof v === 'object' ? JSON.stringify(v) : String(v))); }
        row('words', text.slice(f.s, f.e)); row('norm', f.norm); row('value', f.value); row('unit', f.unit); row('name', f.name);
        row('period', f.period); row('role', f.role); row('section', f.sec); row('problem', f.pid); row('attrs', f.attrs);
        row('offsets', f.s + '–' + f.e);
        factBox.appendChild(el('div', null, el('span', { class: 'k' + KIDX.get(f.kind), style: 'background:var(--c);padding:0 6px;border-radius:3px' }, f.kind), ' ',
          link(f.id, 'doc', { id: d.id, f: f.id }, 'small'), dl));
      });
    }
    showFacts(chosen);

    var probList = el('ul', { class: 'outline' }, problems.map(function (p) {
      return el('li', null, el('span', { class: 'badge ' + (STATUS_ORDER[p.status] != null ? p.status : 'unknown') }, p.status), ' ',
        link((p.number ? p.number + ' ' : '') + short(p.title || p.category || p.id, 40), 'doc', { id: d.id, p: p.id }));
    }));
    var outline = el('ul', { class: 'outline', 'data-testid': 'outline' }, sections.map(function (s, n) {
      return el('li', { style: 'padding-left:' + (Math.max(0, s.level - 1) * 12) + 'px' },
        el('span', { class: 'link', onclick: function () {
          var m = textBox.querySelector('mark[data-sec="' + n + '"]');
          if (m) m.scrollIntoView({ block: 'start' });
        } }, short((s.number ? s.number + ' ' : '') + (s.heading || ''), 34)),
        s.type && s.type !== 'other' ? el('span', { class: 'type' }, s.type) : null);
    }));
    var side = el('aside', { class: 'docside' },
      el('div', { class: 'card small' }, el('b', null, short(d.title || d.file, 60)), el('br'),
        el('span', { class: 'muted' }, [d.type, d.unit, d.date].filter(Boolean).join(' · '))),
      el('div', { class: 'card' }, el('h3', null, 'Highlights 标注'), kindsBox,
        el('div', { class: 'small' }, el('button', { onclick: function () { toggleAll(true); } }, 'all'), ' ', el('button', { onclick: function () { toggleAll(false); } }, 'none'))),
      el('div', { class: 'card' }, el('h3', null, 'Fact 事实'), factBox),
      problems.length ? el('div', { class: 'card' }, el('h3', null, 'Problems 问题 (' + problems.length + ')'), probList) : null,
      el('div', { class: 'card' }, el('h3', null, 'Outline 结构 (' + sections.length + ')'), sections.length ? outline : el('p', { class: 'empty' }, 'No headings found.')));
    function toggleAll(on) {
      kindsBox.querySelectorAll('input[type=checkbox]').forEach(function (cb) { if (cb.checked !== on) { cb.checked = on; cb.dispatchEvent(new Event('change')); } });
    }

    // the text, marked
    var spans = facts.map(function (f) { return { s: f.s, e: f.e, cls: 'k' + KIDX.get(f.kind), f: f.i, kind: f.kind, order: 1 }; });
    sections.forEach(function (s, n) {
      var nl = text.indexOf('\n', s.s);
      var he = nl < 0 || nl > s.e ? Math.min(s.e, s.s + 60) : nl;
      if (he > s.s) spans.push({ s: s.s, e: he, cls: 'hd', sec: n, order: 0 });
    });
    if (region) spans.push({ s: region[0], e: region[1], cls: 'region', order: -1 });
    focus.forEach(function (r) { spans.push({ s: r[0], e: r[1], cls: 'focus', order: 2 }); });
    textBox.appendChild(markText(text, spans));
    textBox.addEventListener('click', function (ev) {
      var m = ev.target.closest ? ev.target.closest('mark') : null, list = [];
      while (m && textBox.contains(m)) {
        if (m.hasAttribute('data-f')) list.push(facts[+m.getAttribute('data-f')]);
        m = m.parentElement ? m.parentElement.closest('mark') : null;
      }
      if (!list.length) return;
      list = list.filter(function (f) { return !hiddenKinds.has(f.kind); });
      if (!list.length) return;
      textBox.querySelectorAll('mark.sel').forEach(function (x) { x.classList.remove('sel', 'focus'); });
      var target = ev.target.closest('mark[data-f]');
      if (target) target.classList.add('sel', 'focus');
      showFacts(list);
    });

    root.appendChild(el('div', { class: 'docview' }, side, el('article', null, textBox)));
    var first = textBox.querySelector('mark.focus') || (region ? textBox.querySelector('mark.region') : null);
    if (first) {
      textBox.querySelectorAll('mark.focus').forEach(function (m) { m.classList.add('flash'); });
      requestAnimationFrame(function () { first.scrollIntoView({ block: 'center' }); });
    } else {
      window.scrollTo(0, 0);
    }
  }

  // ------------------------------------------------------------ checks
  function group(c) {
    var k = String(c.kind || '').toLowerCase(), v = String(c.verdict || '').toLowerCase();
    if (/reuse|similar|dup|copy|plagi|overlap/.test(k)) return 'reuse';
    if (/conflict|contradict|disagree|consisten/.test(k) || v === 'conflict') return 'conflict';
    if (/complet|support|evidence/.test(k)) return 'completion';
    if (/arith|sum|total|add|count|percent|ratio/.test(k) || v === 'mismatch') return 'arith';
    if (/target|goal/.test(k) || v === 'met' || v === 'missed') return 'target';
    return 'other';
  }
  var GROUPS = [['arith', 'Arithmetic 数字核算', 'Totals and shares that do not add up as the text states.'],
    ['conflict', 'Consistency 口径一致性', 'Documents stating a value for the same indicator, subject and period; conflicts first, both documents side by side.'],
    ['target', 'Targets 目标完成', 'An actual value against the target set for it.'],
    ['reuse', 'Text reuse 文本雷同', 'Pairs of documents sharing passages; the shared words are marked.'],
    ['completion', 'Completion claims 整改完成佐证', 'Problems marked completed whose text gives no figure, date or document to show it.'],
    ['other', 'Other checks 其他', '']];

  function excerpt(side, opt) {
    opt = opt || {};
    var i = side[0], spans = (side[1] || []).filter(Boolean);
    var box = el('div', { class: 'excerpt-wrap' });
    var d = DOCS[i];
    box.appendChild(el('div', { class: 'small' }, d ? docLink(i, short(d.title || d.file, 40), spans) : el('code', null, side[2] || '?'),
      d ? el('span', { class: 'muted' }, ' ' + (d.date || '') + ' ' + d.unit) : null));
    if (!d || !spans.length) {
      box.appendChild(el('div', { class: 'excerpt' }, side[3] || el('span', { class: 'empty' }, 'no words located')));
      return box;
    }
    var t = block(i).t, ctx = opt.ctx == null ? 50 : opt.ctx;
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var windows = [];
    spans.forEach(function (sp) {
      var a = Math.max(0, sp[0] - ctx), b = Math.min(t.length, sp[1] + ctx);
      var last = windows[windows.length - 1];
      if (last && a <= last[1] + 20) last[1] = Math.max(last[1], b); else windows.push([a, b]);
    });
    var ex = el('div', { class: 'excerpt' });
    windows.forEach(function (w, n) {
      if (n) ex.appendChild(document.createTextNode(' … '));
      var sub = t.slice(w[0], w[1]);
      ex.appendChild(markText(sub, spans.filter(function (sp) { return sp[1] > w[0] && sp[0] < w[1]; }).map(function (sp) {
        return { s: Math.max(0, sp[0] - w[0]), e: Math.min(sub.length, sp[1] - w[0]), cls: 'hit' };
      })));
    });
    box.appendChild(ex);
    return box;
  }

  function checkCard(c) {
    var bad = failed(c);
    var vals = el('div', { class: 'kv' }, Object.keys(c.values || {}).map(function (k) {
      return el('span', { style: 'margin-right:12px' }, k + ': ', el('b', null, String(c.values[k])));
    }));
    var card = el('div', { class: 'card check ' + (bad ? 'fail' : 'pass'), 'data-testid': 'check', 'data-kind': c.kind, 'data-verdict': c.verdict },
      el('div', null, el('span', { class: 'badge ' + (bad ? 'fail' : 'pass') }, c.verdict || '?'), ' ', el('b', null, c.kind),
        c.score != null ? el('span', { class: 'muted' }, ' similarity ' + fmt(c.score)) : null, c.message ? ' — ' + c.message : ''),
      vals);
    var reuse = group(c) === 'reuse';
    if (c.a && c.b && c.a[0] === c.b[0] && c.a[0] >= 0) card.appendChild(excerpt([c.a[0], (c.a[1] || []).concat(c.b[1] || []), c.a[2], c.a[3]], { ctx: 80 }));
    else if (c.a && c.b) card.appendChild(el('div', { class: 'side' }, excerpt(c.a, { ctx: reuse ? 30 : 60 }), excerpt(c.b, { ctx: reuse ? 30 : 60 })));
    else if (c.a) card.appendChild(excerpt(c.a, { ctx: 80 }));
    return card;
  }

  function renderChecks(root) {
    root.appendChild(el('h2', null, 'Checks 核查'));
    root.appendChild(el('p', { class: 'small muted' }, CHK.length + ' checks from ' + D.checks.source + '; failed ones first in each group.'));
    if (!CHK.length) { root.appendChild(el('p', { class: 'empty' }, 'No checks in this run.')); return; }
    var tally = {}, verdicts = new Set();
    CHK.forEach(function (c) { var t = tally[c.kind] = tally[c.kind] || {}; t[c.verdict] = (t[c.verdict] || 0) + 1; verdicts.add(c.verdict); });
    verdicts = Array.from(verdicts).sort();
    root.appendChild(el('table', { class: 't', style: 'width:auto;margin-bottom:12px', 'data-testid': 'check-tally' },
      el('thead', null, el('tr', null, el('th', null, 'kind'), verdicts.map(function (v) { return el('th', null, v || '?'); }))),
      el('tbody', null, Object.keys(tally).sort().map(function (k) {
        return el('tr', null, el('td', null, k), verdicts.map(function (v) { return el('td', { class: 'num' }, String(tally[k][v] || '')); }));
      }))));
    GROUPS.forEach(function (g) {
      var list = CHK.filter(function (c) { return group(c) === g[0]; });
      if (!list.length) return;
      list.sort(function (a, b) { return (failed(b) ? 1 : 0) - (failed(a) ? 1 : 0) || (b.score || 0) - (a.score || 0) || a.n - b.n; });
      var sec = el('section', { 'data-testid': 'checks-' + g[0] }, el('h2', null, g[1] + ' (' + list.filter(failed).length + ' failed of ' + list.length + ')'),
        g[2] ? el('p', { class: 'small muted' }, g[2]) : null);
      var shown = 0, more = el('button', null, 'show more');
      function add() {
        list.slice(shown, shown + 20).forEach(function (c) { sec.insertBefore(checkCard(c), more); });
        shown += 20;
        more.classList.toggle('hidden', shown >= list.length);
      }
      more.addEventListener('click', add);
      sec.appendChild(more);
      add();
      root.appendChild(sec);
    });
  }

  route();
})();
