// The Apiary dashboard: plain JavaScript, no build step. Every view reads the API under ./api and renders with DOM
// calls (never innerHTML), since payloads and errors are data from the application.
const API = 'api/';
// WAITING: a step of a batch or workflow waiting for the jobs before it
const STATUSES = ['WAITING', 'PENDING', 'RUNNING', 'DONE', 'FAILED', 'KILLED', 'CANCELLED'];
const REFRESH_MS = 2000;

let session = { user: null, admin: false, showPayloads: false, schedules: false };
let timer = null;
let chart = null;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

async function call(path, method = 'GET') {
  // the server refuses an action without this header: a page of another origin cannot send it (forgery)
  const headers = method === 'GET' ? { Accept: 'application/json' }
    : { Accept: 'application/json', 'X-Requested-By': 'apiary-dashboard' };
  const res = await fetch(API + path, { method, headers, credentials: 'same-origin' });
  const body = res.headers.get('Content-Type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new Error(body?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

/** Replaces what {@code main} shows; nested arrays are flattened and absent parts left out. */
function show(main, ...children) {
  main.replaceChildren(...children.flat(2).filter((c) => c !== null && c !== undefined && c !== false));
}

const enc = encodeURIComponent;
const time = (t) => (t ? new Date(t).toLocaleString() : '');
const ago = (t) => {
  if (!t) return '';
  const s = Math.round((Date.now() - new Date(t)) / 1000);
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};
const badge = (status) => h('span', { class: `badge ${status}` }, status);
const shortId = (id) => id.slice(-12);

function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  setTimeout(() => t.classList.remove('show'), 2500);
}

function confirmAction(text) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

/** An admin's pause or resume button of a queue: pausing acts on every node. */
function pauseAction(q) {
  const path = `queues/${enc(q.name)}`;
  return q.paused
    ? action('Resume', `Resume queue ${q.name}? Every node claims its jobs again at once.`, `${path}/resume`, 'POST',
      'primary')
    : action('Pause', `Pause queue ${q.name} on every node? Running jobs finish; no new job starts until resumed.`,
      `${path}/pause`, 'POST');
}

/** An admin action: confirmed first, then the view is refreshed. */
function action(label, question, path, method, cls = 'danger') {
  return h('button', {
    class: cls, 'data-action': label.toLowerCase(),
    onclick: async () => {
      if (!(await confirmAction(question))) return;
      try {
        const result = await call(path, method);
        toast(result?.jobs !== undefined ? `${label}: ${result.jobs} jobs`
          : result?.schedule && result?.id ? `${label}: job ${shortId(result.id)} enqueued` : `${label}: done`);
        route();
      } catch (e) {
        toast(e.message);
      }
    },
  }, label);
}

// ---- views: each returns a refresh function that renders into the main element

const views = {
  overview() {
    return async (main) => {
      const [queues, throughput] = await Promise.all([call('queues'), call('queues/throughput?minutes=60')]);
      const rows = queues.map((q) => h('tr', { 'data-queue': q.name },
        h('td', {}, h('a', { href: `#/queue/${enc(q.name)}` }, q.name)),
        h('td', { class: 'hide-narrow muted' }, q.payloadType),
        STATUSES.map((s) => h('td', { class: 'num', 'data-status': s },
          h('a', { href: `#/queue/${enc(q.name)}?status=${s}`, class: q.counts[s] ? null : 'zero' },
            q.counts[s] ?? 0))),
        h('td', { 'data-state': q.paused ? 'PAUSED' : 'ACTIVE' }, q.paused ? badge('PAUSED') : ''),
        h('td', { class: 'actions' }, session.admin ? pauseAction(q) : '')));
      show(main, 
        h('h1', {}, 'Queues'),
        h('div', { class: 'card scroll' }, h('table', { id: 'queues' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Queue'), h('th', { class: 'hide-narrow' }, 'Payload'),
            STATUSES.map((s) => h('th', { class: 'num' }, s.toLowerCase())), h('th', {}, ''), h('th', {}, ''))),
          h('tbody', {}, rows))),
        h('h2', {}, 'Jobs ended per minute, last hour'),
        h('div', { class: 'card' }, h('div', { id: 'chart', class: 'chart' })));
      drawChart(document.getElementById('chart'), throughput);
    };
  },

  queue(name, params) {
    const status = params.get('status') || '';
    const offset = Number(params.get('offset') || 0);
    const search = params.get('search') || '';
    const limit = 20;
    return async (main) => {
      const query = `status=${enc(status)}&offset=${offset}&limit=${limit}&search=${enc(search)}`;
      const [queues, page] = await Promise.all([call('queues'), call(`queues/${enc(name)}/jobs?${query}`)]);
      const current = queues.find((q) => q.name === name);
      const counts = current?.counts ?? {};
      const link = (s, off = 0) => `#/queue/${enc(name)}?status=${s}&offset=${off}`;
      const tabs = h('div', { class: 'tabs' },
        h('a', { href: link(''), class: status === '' ? 'active' : null }, 'all'),
        STATUSES.map((s) => h('a', { href: link(s), class: status === s ? 'active' : null, 'data-status': s },
          `${s.toLowerCase()} ${counts[s] ?? 0}`)));
      const searchBox = h('input', { type: 'search', id: 'search', value: search,
        placeholder: 'Job id, unique key, or metadata key=value' });
      searchBox.addEventListener('change', () => {
        location.hash = `#/queue/${enc(name)}?status=${status}&search=${enc(searchBox.value)}`;
      });
      const bulk = [];
      if (session.admin && status) {
        const q = `queues/${enc(name)}/jobs`;
        if (['PENDING', 'FAILED', 'KILLED', 'CANCELLED'].includes(status)) {
          bulk.push(action(`Retry all ${status.toLowerCase()}`, `Retry every ${status.toLowerCase()} job of ${name}?`,
            `${q}/retry?status=${status}`, 'POST', 'primary'));
        }
        if (['PENDING', 'RUNNING'].includes(status)) {
          bulk.push(action(`Kill all ${status.toLowerCase()}`, `Kill every ${status.toLowerCase()} job of ${name}?`,
            `${q}/kill?status=${status}`, 'POST'));
        }
        if (status !== 'RUNNING') {
          bulk.push(action(`Delete all ${status.toLowerCase()}`,
            `Delete every ${status.toLowerCase()} job of ${name}? This cannot be undone.`, `${q}?status=${status}`,
            'DELETE'));
        }
      }
      const rows = page.items.map((j) => h('tr', { 'data-job': j.id },
        h('td', {}, h('a', { href: `#/job/${enc(name)}/${enc(j.id)}`, title: j.id }, shortId(j.id))),
        h('td', {}, badge(j.status)),
        h('td', { class: 'num' }, `${j.attempts}/${j.maxAttempts}`),
        h('td', {}, j.progress ? h('progress', { class: 'mini', max: 100, value: j.progress.percent }) : ''),
        h('td', { class: 'hide-narrow' }, time(j.finishedAt ?? j.runAt)),
        h('td', { class: 'wrap hide-narrow muted' }, j.lastError ?? '')));
      const pager = h('div', { class: 'pager' },
        h('span', { class: 'muted' }, page.total === 0 ? 'no jobs'
          : `${page.offset + 1}–${page.offset + page.items.length} of ${page.total}`),
        offset > 0 ? h('a', { href: link(status, Math.max(0, offset - limit)) }, '← newer') : null,
        offset + limit < page.total ? h('a', { href: link(status, offset + limit) }, 'older →') : null);
      show(main, 
        h('h1', {}, 'Queue ', name, current?.paused ? [' ', badge('PAUSED')] : null,
          session.admin && current ? [' ', pauseAction(current)] : null),
        tabs,
        h('div', { class: 'toolbar' }, searchBox, bulk),
        h('div', { class: 'card scroll' }, h('table', { id: 'jobs' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Job'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'Tries'),
            h('th', {}, 'Progress'), h('th', { class: 'hide-narrow' }, 'Run at / ended'),
            h('th', { class: 'hide-narrow' }, 'Last error'))),
          h('tbody', {}, rows)), pager));
    };
  },

  job(queue, id) {
    return async (main) => {
      const j = await call(`queues/${enc(queue)}/jobs/${enc(id)}`);
      const q = `queues/${enc(queue)}/jobs/${enc(id)}`;
      const actions = [];
      if (session.admin) {
        if (['PENDING', 'FAILED', 'KILLED', 'CANCELLED'].includes(j.status)) {
          actions.push(action('Retry', `Retry job ${id} now, with a fresh attempt budget?`, `${q}/retry`, 'POST',
            'primary'));
        }
        if (['PENDING', 'RUNNING'].includes(j.status)) {
          actions.push(action('Cancel', j.status === 'RUNNING'
            ? `Cancel job ${id}? Its handler is interrupted within about a second and the job ends cancelled.`
            : `Cancel job ${id}? It will not run.`, `${q}/cancel`, 'POST'));
          actions.push(action('Kill', `Kill job ${id}? It will not run again.`, `${q}/kill`, 'POST'));
        }
        if (j.status !== 'RUNNING') {
          actions.push(action('Delete', `Delete job ${id}? This cannot be undone.`, q, 'DELETE'));
        }
      }
      const field = (label, value) => [h('dt', {}, label), h('dd', {}, value ?? '')];
      const progress = j.progress
        ? h('div', { class: 'card' }, h('progress', { id: 'job-progress', max: 100, value: j.progress.percent }),
          h('div', { class: 'muted', id: 'job-progress-text' }, `${j.progress.percent}% ${j.progress.message ?? ''}`))
        : null;
      show(main, 
        h('h1', {}, h('a', { href: `#/queue/${enc(queue)}` }, queue), ' / ', id),
        h('div', { class: 'toolbar' }, badge(j.status), h('span', { id: 'job-status', hidden: true }, j.status),
          actions),
        progress,
        h('div', { class: 'card' }, h('dl', {},
          field('Attempts', `${j.attempts} of ${j.maxAttempts}`), field('Priority', j.priority),
          field('Enqueued', time(j.enqueuedAt)), field('Run at', time(j.runAt)),
          field('Finished', time(j.finishedAt)), field('Worker', j.workerId),
          field('Last attempt on', h('span', { id: 'attempt-node' }, j.attemptNode ?? '')),
          field('Last attempt by', h('span', { id: 'attempt-worker' }, j.attemptWorkerId ?? '')),
          j.status === 'CANCELLED' ? field('Cancelled by', j.cancelledBy ?? 'unknown') : null,
          field('Unique key', j.uniqueKey),
          j.metadata?.['apiary.flow'] ? field('Batch or workflow', h('a', { id: 'flow-link',
            href: `#/flow/${enc(j.metadata['apiary.flow'])}` }, j.metadata['apiary.flow'])) : null,
          field('Metadata', Object.entries(j.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')))),
        h('h2', {}, 'Payload'),
        j.payloadHidden ? h('p', { class: 'muted', id: 'payload-hidden' }, 'Hidden (apiary.dashboard.show-payloads)')
          : h('pre', { id: 'payload' }, JSON.stringify(j.payload, null, 2)),
        j.result != null ? [h('h2', {}, 'Result'), h('pre', { id: 'result' }, JSON.stringify(j.result, null, 2))]
          : null,
        j.lastErrorTrace ? [h('h2', {}, j.status === 'CANCELLED' ? 'Cancel reason' : 'Last error'),
          h('pre', { id: 'error' }, j.lastErrorTrace)] : null);
    };
  },

  flow(id) {
    return async (main) => {
      // a batch (its jobs, then its callback) or a workflow (its steps, parents first), each step's job and state
      const f = await call(`flows/${enc(id)}`);
      const rows = f.steps.map((s) => h('tr', { 'data-step': s.name, 'data-status': s.status },
        h('td', {}, s.name),
        h('td', {}, h('a', { href: `#/job/${enc(s.queue)}/${enc(s.jobId)}`, title: s.jobId }, shortId(s.jobId))),
        h('td', {}, s.queue), h('td', {}, badge(s.status)),
        h('td', { class: 'muted' }, (s.after ?? []).join(', '))));
      const counts = Object.entries(f.counts ?? {}).map(([status, n]) => h('span', { class: 'count' },
        badge(status), ` ${n}`));
      show(main,
        h('h1', {}, f.kind === 'BATCH' ? 'Batch ' : 'Workflow ', f.name ?? '', ' ', h('span', { class: 'muted' }, id)),
        h('div', { class: 'toolbar' }, h('span', { id: 'flow-state', 'data-finished': String(f.finished) },
          f.finished ? 'finished' : 'running'), counts),
        h('div', { class: 'card scroll' }, h('table', { id: 'flow-steps' },
          h('thead', {}, h('tr', {}, ['Step', 'Job', 'Queue', 'Status', 'After'].map((t) => h('th', {}, t)))),
          h('tbody', {}, rows))));
    };
  },

  workers(params) {
    const liveOnly = params.get('live') === '1';
    return async (main) => {
      // live instances first; stopped ones (a graceful stop) and lost ones (silent past their lease) after, or hidden
      const workers = await call(liveOnly ? 'workers?live=true' : 'workers');
      const rows = workers.map((w) => {
        const gone = w.status === 'STOPPED' || w.status === 'LOST';
        return h('tr', { 'data-worker': w.instanceId, 'data-status': w.status ?? '', class: gone ? 'stale' : null },
          h('td', {}, w.node ?? ''), h('td', {}, w.worker ?? ''), h('td', { class: 'hide-narrow' }, w.instanceId),
          h('td', {}, w.queue), h('td', { title: gone ? `last reported ${w.state ?? ''}` : null }, w.status ?? ''),
          h('td', { class: 'num' }, gone ? '' : w.running),
          h('td', { class: 'num' }, w.done), h('td', { class: 'num' }, w.failed),
          h('td', { title: time(w.lastSeen) }, ago(w.lastSeen)));
      });
      const toggle = h('label', {}, h('input', { type: 'checkbox', id: 'live-only', checked: liveOnly,
        onchange: (e) => { location.hash = e.target.checked ? '#/workers?live=1' : '#/workers'; } }),
        ' Hide stopped and lost instances');
      show(main, h('h1', {}, 'Workers'), h('div', { class: 'toolbar' }, toggle),
        h('div', { class: 'card scroll' }, h('table', { id: 'workers' },
        h('thead', {}, h('tr', {}, ['Node', 'Worker', 'Instance', 'Queue', 'State', 'Running', 'Done', 'Failed',
          'Last seen'].map((t, i) => h('th', { class: [5, 6, 7].includes(i) ? 'num' : (i === 2 ? 'hide-narrow' : null) },
          t)))),
        h('tbody', {}, rows))),
      h('p', { class: 'muted' }, 'Every worker instance that heartbeats to the storages, on every node (host and ' +
        'server or process, or apiary.node). STOPPED: it stopped gracefully; LOST: no heartbeat for longer than ' +
        'its lease, its jobs go to other workers. Rows of instances not seen for a while are purged by the storage.'));
    };
  },

  schedules() {
    return async (main) => {
      const schedules = await call('schedules');
      const rows = schedules.map((s) => {
        const q = `schedules/${enc(s.name)}`;
        const actions = !session.admin ? [] : [
          s.paused
            ? action('Resume', `Resume schedule ${s.name}? It fires again from its next fire time on.`,
              `${q}/resume`, 'POST', 'primary')
            : action('Pause', `Pause schedule ${s.name} on every node?`, `${q}/pause`, 'POST'),
          action('Trigger', `Enqueue one job of ${s.name} into ${s.queue} now?`, `${q}/trigger`, 'POST', 'primary')];
        const state = s.paused ? 'PAUSED' : s.enabled ? 'ACTIVE' : 'DISABLED';
        return h('tr', { 'data-schedule': s.name },
          h('td', {}, s.name),
          h('td', {}, h('a', { href: `#/queue/${enc(s.queue)}` }, s.queue)),
          h('td', {}, h('code', {}, s.cron)),
          h('td', { class: 'hide-narrow' }, s.zone),
          h('td', { 'data-state': state }, badge(state)),
          h('td', { class: 'next-fire', title: time(s.nextFire) }, time(s.nextFire)),
          h('td', { class: 'hide-narrow', title: time(s.lastFire) }, ago(s.lastFire)),
          h('td', { class: 'actions' }, actions));
      });
      show(main, h('h1', {}, 'Schedules'), h('div', { class: 'card scroll' }, h('table', { id: 'schedules' },
        h('thead', {}, h('tr', {}, ['Schedule', 'Queue', 'Cron', 'Zone', 'State', 'Next fire', 'Last fire', '']
          .map((t, i) => h('th', { class: [3, 6].includes(i) ? 'hide-narrow' : null }, t)))),
        h('tbody', {}, rows))),
      h('p', { class: 'muted' }, 'Recurring jobs: each fire is enqueued once across the nodes. Pausing acts on ' +
        'every node; a trigger enqueues one job now and leaves the fire times as they are.'));
    };
  },
};

views.audit = function audit() {
  return async (main) => {
    const entries = await call('audit');
    const rows = entries.map((e) => h('tr', { 'data-action': e.action },
      h('td', { title: e.at }, time(e.at)), h('td', {}, e.user), h('td', {}, e.action),
      h('td', { class: 'wrap' }, e.target), h('td', { class: 'num' }, e.jobs)));
    show(main, h('h1', {}, 'Audit'), h('div', { class: 'card scroll' }, h('table', { id: 'audit' },
      h('thead', {}, h('tr', {}, ['Time', 'User', 'Action', 'Target', 'Jobs']
        .map((t, i) => h('th', { class: i === 4 ? 'num' : null }, t)))),
      h('tbody', {}, rows))),
    h('p', { class: 'muted' }, 'The latest admin actions served by this node, newest first; every action is also ' +
      'in the server log (logger dev.apiary.dashboard.audit).'));
  };
};

function drawChart(el, throughput) {
  const now = Math.floor(Date.now() / 60000) * 60;
  const xs = []; const done = []; const failed = [];
  const byMinute = new Map(throughput.map((t) => [Math.floor(new Date(t.minute) / 1000), t]));
  for (let m = now - 59 * 60; m <= now; m += 60) {
    const t = byMinute.get(m);
    xs.push(m); done.push(t ? t.done : 0); failed.push(t ? t.failed + t.killed : 0);
  }
  const width = Math.max(280, el.clientWidth);
  if (chart && chart.root.parentNode === el && chart.width === width) {
    chart.setData([xs, done, failed]);
    return;
  }
  chart?.destroy();
  if (!window.uPlot) { el.textContent = 'chart library not loaded'; return; }
  chart = new window.uPlot({
    width, height: 220,
    series: [{}, { label: 'done', stroke: '#2e7d32', fill: 'rgba(46,125,50,.12)', points: { show: false } },
      { label: 'failed or killed', stroke: '#c62828', fill: 'rgba(198,40,40,.12)', points: { show: false } }],
    axes: [{}, { size: 40 }],
  }, [xs, done, failed], el);
}

// ---- routing and refresh

function parse() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'queue' && parts[1]) return ['overview', views.queue(parts[1], params)];
  if (parts[0] === 'job' && parts[2]) return ['overview', views.job(parts[1], parts[2])];
  if (parts[0] === 'flow' && parts[1]) return ['overview', views.flow(parts[1])];
  if (parts[0] === 'workers') return ['workers', views.workers(params)];
  if (parts[0] === 'schedules') return ['schedules', views.schedules()];
  if (parts[0] === 'audit') return ['audit', views.audit()];
  return ['overview', views.overview()];
}

async function route() {
  clearTimeout(timer);
  const [page, render] = parse();
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === page));
  const main = document.getElementById('view');
  const tick = async () => {
    try {
      // a dialog or a focused search box is left alone until the user is done
      if (!document.querySelector('dialog[open]') && document.activeElement?.id !== 'search') await render(main);
    } catch (e) {
      show(main, h('p', { class: 'error' }, e.message));
    }
    if (document.getElementById('live').checked) timer = setTimeout(tick, REFRESH_MS);
  };
  await tick();
}

async function start() {
  try {
    session = await call('session');
  } catch (e) {
    show(document.getElementById('view'), h('p', {}, e.message));
    return;
  }
  document.getElementById('user').textContent =
    `${session.user ?? 'anonymous'} · ${session.admin ? 'admin' : 'viewer'}`;
  document.getElementById('nav-schedules').hidden = !session.schedules;
  document.getElementById('nav-audit').hidden = !session.admin;
  document.getElementById('live').addEventListener('change', route);
  window.addEventListener('hashchange', route);
  route();
}

start();
