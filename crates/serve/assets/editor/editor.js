// The editor's page: the folder's issues and "new issue"; an issue opens
// in the form beside its live pages (issue.js). Plain ES modules, no build
// step. User text is always set with textContent, never as HTML.

import { openIssue } from './issue.js';

const $ = (id) => document.getElementById(id);

const STATUS = { ok: '通过', warnings: '有提示', failed: '有错误' };

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function say(text) {
  $('message').textContent = text;
}

async function api(path, options) {
  // Same-origin requests carry the token's cookie.
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

async function load() {
  const data = await api('/api/issues');
  $('dir').textContent = data.dir;
  const body = document.querySelector('#issues tbody');
  body.replaceChildren();
  for (const issue of data.issues) {
    const row = document.createElement('tr');
    row.dataset.file = issue.file;
    const name = cell(row, '');
    const link = document.createElement('a');
    link.href = '#' + encodeURIComponent(issue.file);
    link.textContent = issue.file;
    link.addEventListener('click', (e) => {
      e.preventDefault();
      openIssue(issue.file, () => load().catch((err) => say(err.message))).catch((err) => say(err.message));
    });
    name.appendChild(link);
    cell(row, issue.number === null ? '' : String(issue.number), 'number');
    cell(row, issue.date, 'date');
    cell(row, issue.title, 'title');
    const st = cell(row, STATUS[issue.status] || issue.status, 'status status-' + issue.status);
    const notes = [...issue.errors, ...issue.warnings];
    if (notes.length) {
      const ul = document.createElement('ul');
      for (const n of notes) {
        const li = document.createElement('li');
        li.textContent = n;
        ul.appendChild(li);
      }
      st.appendChild(ul);
    }
    body.appendChild(row);
  }
}

$('new').addEventListener('click', async () => {
  try {
    const made = await api('/api/new', { method: 'POST' });
    say('已新建 ' + made.file + '（第 ' + made.number + ' 期，' + made.date + '）');
    await load();
  } catch (e) {
    say(e.message);
  }
});

load().catch((e) => say(e.message));
