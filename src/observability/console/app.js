// Strata web console. Hash routes: #/ (topics), #/groups, #/topic/<name>, #/topic/<name>/<partition>
// (message browser, ?offset= or ?time=), #/group/<id>. Everything shown is put in the page with
// textContent (never innerHTML), so names, keys, values and headers are always escaped.

const REFRESH_MS = 5000;
const view = document.getElementById('view');
const statusLine = document.getElementById('status');
let refreshTimer = null;

/** Builds an element: el('td', { class: 'num' }, 'text', child, …). Strings become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function link(hash, text) {
  return el('a', { href: hash }, text);
}

function table(headers, rows, attributes = {}) {
  return el('table', attributes,
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { class: h.num ? 'num' : undefined }, h.label ?? h)))),
    el('tbody', {}, rows));
}

const num = (value) => el('td', { class: 'num' }, value === null || value === undefined ? '—' : typeof value === 'number' ? value.toLocaleString('en-US') : value);

function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatRate(value, suffix) {
  return value === null ? '—' : `${value < 10 ? value.toFixed(2) : Math.round(value).toLocaleString('en-US')} ${suffix}`;
}

async function api(path, options) {
  const response = await fetch(`/api/${path}`, { headers: { Accept: 'application/json' }, ...options });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

/** Shows rendered bytes (from the API: kind null | json | text | binary). */
function renderedBytes(rendered, className) {
  if (rendered.kind === 'null') return el('span', { class: `muted ${className}` }, 'null');
  const note = rendered.kind === 'binary' ? `binary, ${rendered.sizeBytes} bytes, hex` : rendered.kind === 'json' ? 'json' : null;
  return el('div', {},
    note ? el('span', { class: 'tag' }, note) : null,
    rendered.truncated ? el('span', { class: 'tag' }, `first part of ${rendered.sizeBytes} bytes`) : null,
    el('pre', { class: className }, rendered.text));
}

// ---- views ------------------------------------------------------------------------------------

async function topicsView() {
  const [topics, groups] = await Promise.all([api('topics'), api('groups')]);
  const visible = topics.filter((topic) => !topic.internal);
  return [
    el('h1', {}, 'Topics'),
    visible.length === 0 ? el('p', { class: 'muted' }, 'No topics yet.') : table(
      ['Topic', { label: 'Partitions', num: true }, { label: 'Records', num: true }, { label: 'Size', num: true }, { label: 'Records/s', num: true }, { label: 'Bytes/s', num: true }],
      visible.map((topic) => el('tr', { 'data-topic': topic.name },
        el('td', {}, link(`#/topic/${encodeURIComponent(topic.name)}`, topic.name)),
        num(topic.partitions.length), num(topic.records), num(formatBytes(topic.sizeBytes)),
        num(formatRate(topic.recordsPerSecond, '/s')), num(topic.bytesPerSecond === null ? '—' : `${formatBytes(Math.round(topic.bytesPerSecond))}/s`))),
      { id: 'topics-table' }),
    el('h2', {}, 'Consumer groups'),
    groupsTable(groups),
  ];
}

function groupsTable(groups) {
  if (groups.length === 0) return el('p', { class: 'muted' }, 'No consumer groups yet.');
  return table(['Group', 'State', { label: 'Members', num: true }, { label: 'Total lag', num: true }],
    groups.map((group) => el('tr', { 'data-group': group.groupId },
      el('td', {}, link(`#/group/${encodeURIComponent(group.groupId)}`, group.groupId)),
      el('td', {}, group.state), num(group.members), num(group.lag))),
    { id: 'groups-table' });
}

async function groupsView() {
  return [el('h1', {}, 'Consumer groups'), groupsTable(await api('groups'))];
}

async function topicView(name) {
  const topics = await api('topics');
  const topic = topics.find((candidate) => candidate.name === name);
  if (topic === undefined) return [el('h1', {}, name), el('p', { class: 'error' }, 'No such topic.')];
  return [
    el('h1', {}, 'Topic ', el('span', { id: 'topic-name' }, name)),
    table(['Partition', { label: 'Start offset', num: true }, { label: 'End offset', num: true }, { label: 'Records', num: true }, { label: 'Size', num: true }, ''],
      topic.partitions.map((p) => el('tr', { 'data-partition': p.partition },
        num(p.partition), num(p.logStartOffset), num(p.logEndOffset), num(p.logEndOffset - p.logStartOffset), num(formatBytes(p.sizeBytes)),
        el('td', {}, link(`#/topic/${encodeURIComponent(name)}/${p.partition}?offset=${p.logStartOffset}`, 'browse messages')))),
      { id: 'partitions-table' }),
    el('h2', {}, 'Produce a test message'),
    produceForm(name, topic.partitions.length),
  ];
}

function produceForm(topic, partitions) {
  const result = el('span', { id: 'produce-result', class: 'muted' });
  const partition = el('select', { name: 'partition' }, el('option', { value: '' }, 'by key'), Array.from({ length: partitions }, (_, p) => el('option', { value: p }, String(p))));
  const key = el('input', { name: 'key', placeholder: 'key (optional)' });
  const value = el('textarea', { name: 'value', placeholder: 'value' });
  const headerKey = el('input', { name: 'header-key', placeholder: 'header key (optional)' });
  const headerValue = el('input', { name: 'header-value', placeholder: 'header value' });
  const form = el('form', {
    id: 'produce-form',
    onsubmit: async (event) => {
      event.preventDefault();
      result.textContent = 'Sending…';
      const message = { value: value.value, key: key.value === '' ? null : key.value, headers: headerKey.value === '' ? [] : [{ key: headerKey.value, value: headerValue.value }] };
      if (partition.value !== '') message.partition = Number(partition.value);
      try {
        const sent = await api(`topics/${encodeURIComponent(topic)}/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(message) });
        result.className = '';
        result.replaceChildren('Written to partition ', String(sent.partition), ' at offset ', String(sent.offset), ' — ',
          link(`#/topic/${encodeURIComponent(topic)}/${sent.partition}?offset=${sent.offset}`, 'view it'));
      } catch (error) {
        result.className = 'error';
        result.textContent = error.message;
      }
    },
  },
  el('label', {}, 'Partition', partition), el('label', {}, 'Key', key), el('label', {}, 'Value', value),
  el('label', {}, 'Header', headerKey), el('label', {}, 'Header value', headerValue), el('button', { type: 'submit' }, 'Produce'), result);
  return form;
}

async function messagesView(topic, partition, query) {
  const params = new URLSearchParams();
  const time = query.get('time');
  if (time) params.set('timestamp', String(Date.parse(time)));
  else params.set('offset', query.get('offset') ?? '0');
  params.set('limit', '20');
  const page = await api(`topics/${encodeURIComponent(topic)}/partitions/${partition}/messages?${params}`);
  const offsetInput = el('input', { name: 'offset', type: 'number', min: 0, value: time ? '' : page.startOffset });
  const timeInput = el('input', { name: 'time', type: 'datetime-local', step: 1, value: time ?? '' });
  const base = `#/topic/${encodeURIComponent(topic)}/${partition}`;
  const form = el('form', {
    id: 'browse-form',
    onsubmit: (event) => {
      event.preventDefault();
      location.hash = timeInput.value ? `${base}?time=${encodeURIComponent(timeInput.value)}` : `${base}?offset=${offsetInput.value || 0}`;
    },
  }, el('label', {}, 'From offset', offsetInput), el('label', {}, 'or from time (local)', timeInput), el('button', { type: 'submit' }, 'Show'));
  const last = page.messages.at(-1);
  return [
    el('h1', {}, link(`#/topic/${encodeURIComponent(topic)}`, topic), ` / partition ${partition}`),
    el('p', { class: 'muted' }, `Offsets ${page.logStartOffset}–${page.logEndOffset - 1 < page.logStartOffset ? '(empty)' : page.logEndOffset - 1}. Showing from ${page.startOffset}.`),
    form,
    page.messages.length === 0 ? el('p', { class: 'muted', id: 'no-messages' }, 'No messages here.') : table(
      [{ label: 'Offset', num: true }, 'Timestamp', 'Key', 'Value', 'Headers'],
      page.messages.map((m) => el('tr', { 'data-offset': m.offset },
        num(m.offset), el('td', {}, new Date(m.timestamp).toISOString()),
        el('td', {}, renderedBytes(m.key, 'message-key')), el('td', {}, renderedBytes(m.value, 'message-value')),
        el('td', {}, m.headers.map((h) => el('div', { class: 'message-header' }, el('strong', {}, h.key), ': ', renderedBytes(h.value, 'header-value')))))),
      { id: 'messages-table' }),
    last && last.offset + 1 < page.logEndOffset ? el('p', {}, link(`${base}?offset=${last.offset + 1}`, 'next page →')) : null,
  ];
}

async function groupView(groupId) {
  const group = await api(`groups/${encodeURIComponent(groupId)}`);
  return [
    el('h1', {}, 'Group ', el('span', { id: 'group-id' }, groupId)),
    el('p', {}, el('span', { class: 'tag' }, group.state), group.protocol ? el('span', { class: 'tag' }, group.protocol) : null),
    el('h2', {}, 'Members'),
    group.members.length === 0 ? el('p', { class: 'muted' }, 'No members.') : table(['Member', 'Client id', 'Host', 'Assignment'],
      group.members.map((m) => el('tr', {}, el('td', {}, m.memberId), el('td', {}, m.clientId), el('td', {}, m.clientHost),
        el('td', {}, m.assignment.map((a) => `${a.topic}-${a.partition}`).join(', ')))), { id: 'members-table' }),
    el('h2', {}, 'Lag per partition'),
    group.offsets.length === 0 ? el('p', { class: 'muted' }, 'No committed offsets.') : table(['Topic', { label: 'Partition', num: true }, { label: 'Committed', num: true }, { label: 'End offset', num: true }, { label: 'Lag', num: true }],
      group.offsets.map((o) => el('tr', { 'data-topic': o.topic, 'data-partition': o.partition },
        el('td', {}, link(`#/topic/${encodeURIComponent(o.topic)}`, o.topic)), num(o.partition), num(o.committedOffset < 0 ? '—' : o.committedOffset), num(o.endOffset),
        el('td', { class: 'num lag' }, String(o.lag)))),
      { id: 'lag-table' }),
  ];
}

// ---- routing ----------------------------------------------------------------------------------

function route() {
  const [path, queryString] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryString ?? '');
  const parts = (path || '/').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'topic' && parts.length === 3) return { render: () => messagesView(parts[1], Number(parts[2]), query), refresh: false };
  if (parts[0] === 'topic' && parts.length === 2) return { render: () => topicView(parts[1]), refresh: true };
  if (parts[0] === 'group' && parts.length === 2) return { render: () => groupView(parts[1]), refresh: true };
  if (parts[0] === 'groups') return { render: groupsView, refresh: true };
  return { render: topicsView, refresh: true };
}

async function show(isRefresh = false) {
  clearTimeout(refreshTimer);
  const current = location.hash;
  const { render, refresh } = route();
  try {
    const content = await render();
    if (location.hash !== current) return; // the user moved on meanwhile
    // A refresh must not wipe a form the user is typing in.
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement?.tagName) && view.contains(document.activeElement);
    if (!(isRefresh && typing)) view.replaceChildren(...[content].flat().filter(Boolean));
    statusLine.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    view.replaceChildren(el('p', { class: 'error' }, `Could not load: ${error.message}`));
  }
  if (refresh) refreshTimer = setTimeout(() => show(true), REFRESH_MS);
}

window.addEventListener('hashchange', () => show());
api('overview').then((overview) => {
  document.getElementById('cluster').textContent = `cluster ${overview.clusterId} · ${overview.dataDir}`;
}).catch(() => undefined);
show();
