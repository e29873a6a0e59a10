// One issue: a form beside its live pages. Plain ES module, no build step,
// no library. Every piece of user text is set with textContent or an
// input's value, never as HTML.
//
// The page holds the issue file's own table as JSON (`doc`), edits it,
// and posts it with the text it loaded; the server makes the new text
// (toml_edit, the changed keys only), checks and renders it, and saves
// exactly that text.

const $ = (id) => document.getElementById(id);

let state = null; // { name, base, hash, doc, series, inSeries }
let undoStack = [];
let lastSnap = { key: null, at: 0 };
let timer = null;
let seq = 0;
let fields = new Map(); // path "a.0.b" -> field element
let onClose = null;

// ---- data helpers -------------------------------------------------------

function get(obj, path) {
  let v = obj;
  for (const k of path) {
    if (v === null || v === undefined) return undefined;
    v = v[k];
  }
  return v;
}

function set(obj, path, value) {
  let v = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    if (v[k] === undefined || v[k] === null || typeof v[k] !== 'object') {
      v[k] = typeof path[i + 1] === 'number' ? [] : {};
    }
    v = v[k];
  }
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(v)) v.splice(last, 1);
    else delete v[last];
    // An emptied optional table goes too.
    for (let n = path.length - 1; n > 0; n--) {
      const parent = get(obj, path.slice(0, n));
      if (parent && !Array.isArray(parent) && typeof parent === 'object' &&
          Object.keys(parent).length === 0 && ['note', 'footer', 'footnotes', 'bulletin'].includes(path[n - 1])) {
        const grand = get(obj, path.slice(0, n - 1));
        delete grand[path[n - 1]];
      } else break;
    }
  } else {
    v[last] = value;
  }
}

const key = (path) => path.join('.');

// The server's key path (columns[0].articles[1].title) as ours.
function serverPath(p) {
  return p.replace(/\[(\d+)\]/g, '.$1');
}

function snapshot(fieldKey) {
  const now = Date.now();
  // Typing in one field is one step until a pause of a second.
  if (fieldKey && fieldKey === lastSnap.key && now - lastSnap.at < 1000) {
    lastSnap.at = now;
    return;
  }
  undoStack.push(JSON.stringify(state.doc));
  if (undoStack.length > 200) undoStack.shift();
  lastSnap = { key: fieldKey, at: now };
  $('undo').disabled = false;
}

export function undo() {
  if (!state || !undoStack.length) return;
  state.doc = JSON.parse(undoStack.pop());
  lastSnap = { key: null, at: 0 };
  $('undo').disabled = undoStack.length === 0;
  build();
  changed();
}

// `data-pending` on the body: 1 from a change until its pages are shown.
function changed() {
  $('state').textContent = '未保存';
  document.body.dataset.pending = '1';
  clearTimeout(timer);
  timer = setTimeout(() => { timer = null; preview(); }, 400);
}

// A structural change: remember, change, rebuild.
function edit(fn) {
  snapshot(null);
  fn(state.doc);
  build();
  changed();
}

// ---- elements -----------------------------------------------------------

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) e.appendChild(c);
  return e;
}

function button(text, onclick, title) {
  return el('button', { type: 'button', text, title: title || text, onclick });
}

function register(path, wrap) {
  wrap.dataset.path = key(path);
  fields.set(key(path), wrap);
}

// A text field bound to `path`: empty removes the key (a value from the
// series file then shows, as such).
function field(label, path, opts = {}) {
  const value = get(state.doc, path);
  const fromSeries = opts.series ? get(state.series, path) : undefined;
  const input = opts.multiline
    ? el('textarea', { rows: opts.rows || 3 })
    : el('input', { type: opts.type || 'text' });
  input.value = value === undefined || value === null ? '' : String(value);
  if (fromSeries !== undefined && fromSeries !== null) input.placeholder = String(fromSeries);
  input.dataset.path = key(path);
  input.addEventListener('input', () => {
    snapshot(key(path));
    let v = input.value;
    if (opts.integer && /^\s*\d+\s*$/.test(v)) v = parseInt(v, 10);
    else if (opts.width && /^\s*\d*\.\d+\s*$/.test(v)) v = parseFloat(v);
    set(state.doc, path, v === '' ? undefined : v);
    tag.hidden = !(v === '' && fromSeries !== undefined);
    changed();
  });
  if (opts.onpaste) input.addEventListener('paste', (e) => opts.onpaste(e, input));
  const tag = el('span', { class: 'series', text: '来自 bulletin.toml' });
  tag.hidden = !(input.value === '' && fromSeries !== undefined && fromSeries !== null);
  const wrap = el('label', { class: 'field' }, el('span', { class: 'label', text: label }), input, tag);
  register(path, wrap);
  return wrap;
}

function select(label, path, choices, opts = {}) {
  const value = get(state.doc, path);
  const fromSeries = opts.series ? get(state.series, path) : undefined;
  const s = el('select');
  s.appendChild(el('option', { value: '', text: fromSeries ? `（${fromSeries}，来自 bulletin.toml）` : '（无）' }));
  for (const c of choices) s.appendChild(el('option', { value: c, text: c }));
  s.value = value || '';
  s.dataset.path = key(path);
  s.addEventListener('change', () => {
    snapshot(null);
    set(state.doc, path, s.value === '' ? undefined : s.value);
    changed();
  });
  const wrap = el('label', { class: 'field' }, el('span', { class: 'label', text: label }), s);
  register(path, wrap);
  return wrap;
}

function fieldset(title, ...children) {
  return el('fieldset', {}, el('legend', { text: title }), ...children);
}

// ---- the form -----------------------------------------------------------

function build() {
  fields = new Map();
  const form = $('form');
  const scroll = form.scrollTop;
  form.replaceChildren();
  const d = state.doc;
  const S = { series: true };
  form.appendChild(fieldset('报头',
    field('报头名称', ['bulletin', 'name'], S),
    field('报头上方文字', ['bulletin', 'above'], S),
    field('编印单位', ['bulletin', 'office'], S),
    field('标注（内部资料）', ['bulletin', 'marker'], S)));
  form.appendChild(fieldset('期号与标识',
    field('期号', ['issue', 'number'], { integer: true }),
    field('总期号', ['issue', 'total'], { integer: true }),
    field('日期', ['issue', 'date'], { type: 'date' }),
    select('增刊/专刊/特刊', ['issue', 'kind'], ['增刊', '专刊', '特刊']),
    field('份号', ['issue', 'copy'], { integer: true }),
    select('密级', ['issue', 'classification'], ['秘密', '机密', '绝密']),
    field('保密期限', ['issue', 'secrecy_period']),
    select('紧急程度', ['issue', 'urgency'], ['特急', '加急'])));

  const whole = el('textarea', {
    rows: 2, id: 'paste-whole',
    placeholder: '整期粘贴：在 Word/WPS 中复制整期简报，粘贴到这里，即按导入的方式识别报头、栏目、文章和报尾（替换本期的栏目和文章）',
  });
  whole.addEventListener('paste', pasteWhole);
  form.appendChild(whole);

  if (Array.isArray(d.articles) && d.articles.length && !Array.isArray(d.columns)) {
    form.appendChild(articleList(['articles'], '文章（无栏目）'));
  }
  const columns = Array.isArray(d.columns) ? d.columns : [];
  columns.forEach((c, ci) => {
    const path = ['columns', ci];
    const box = el('fieldset', { class: 'column', dataset: { column: ci } },
      el('legend', { text: `栏目 ${ci + 1}` }),
      el('div', { class: 'tools' },
        button('上移', () => edit((doc) => swap(doc.columns, ci, ci - 1)), '栏目上移'),
        button('下移', () => edit((doc) => swap(doc.columns, ci, ci + 1)), '栏目下移'),
        button('删除栏目', () => edit((doc) => doc.columns.splice(ci, 1)))),
      field('栏目名称', [...path, 'name']),
      articleList([...path, 'articles'], null));
    register(path, box);
    form.appendChild(box);
  });
  form.appendChild(el('div', { class: 'tools' },
    button('添加栏目', () => edit((doc) => {
      if (!Array.isArray(doc.columns)) doc.columns = [];
      doc.columns.push({ name: '', articles: [{ title: '', body: '' }] });
    }))));

  const F = ['footer'];
  form.appendChild(fieldset('报尾',
    field('主送', [...F, 'zhusong'], S),
    field('报', [...F, 'bao'], S),
    field('送', [...F, 'song'], S),
    field('发', [...F, 'fa'], S),
    field('本期增发', [...F, 'zengfa'], S),
    field('印发单位', [...F, 'printer'], S),
    field('印发日期', [...F, 'print_date'], { type: 'date', series: true }),
    field('共印（份）', [...F, 'copies'], { integer: true, series: true }),
    field('责任编辑', [...F, 'editor'], S),
    field('校对', [...F, 'proofreader'], S),
    field('审核', [...F, 'reviewer'], S),
    field('签发', [...F, 'approver'], S),
    field('联系人', [...F, 'contact'], S),
    field('电话', [...F, 'phone'], S),
    field('电子邮箱', [...F, 'email'], S)));
  form.scrollTop = scroll;
  if (state.problems) showProblems(state.problems);
}

function swap(a, i, j) {
  if (!Array.isArray(a) || j < 0 || j >= a.length) return;
  [a[i], a[j]] = [a[j], a[i]];
}

// Moves the article at `from` (a path to it) to `toList` at `index`.
function moveArticle(doc, from, toList, index) {
  const list = get(doc, from.slice(0, -1));
  const [a] = list.splice(from[from.length - 1], 1);
  const target = get(doc, toList) || (set(doc, toList, []), get(doc, toList));
  const sameList = key(from.slice(0, -1)) === key(toList);
  let at = index;
  if (sameList && from[from.length - 1] < index) at -= 1;
  target.splice(Math.max(0, Math.min(at, target.length)), 0, a);
}

function articleList(listPath, title) {
  const list = get(state.doc, listPath) || [];
  const box = el('div', { class: 'articles', dataset: { list: key(listPath) } });
  if (title) box.appendChild(el('h3', { text: title }));
  list.forEach((_, ai) => box.appendChild(article([...listPath, ai])));
  box.appendChild(el('div', { class: 'tools' },
    button('添加文章', () => edit((doc) => {
      const l = get(doc, listPath);
      if (Array.isArray(l)) l.push({ title: '', body: '' });
      else set(doc, listPath, [{ title: '', body: '' }]);
    }))));
  // Dropped at the end of a list.
  box.addEventListener('dragover', (e) => { if (dragging) e.preventDefault(); });
  box.addEventListener('drop', (e) => {
    if (!dragging || e.defaultPrevented) return;
    e.preventDefault();
    const from = dragging;
    dragging = null;
    edit((doc) => moveArticle(doc, from, listPath, (get(doc, listPath) || []).length));
  });
  return box;
}

let dragging = null;

function article(path) {
  const a = get(state.doc, path);
  const index = path[path.length - 1];
  const listPath = path.slice(0, -1);
  const columns = Array.isArray(state.doc.columns) ? state.doc.columns : [];
  const move = el('select', { title: '移至栏目', class: 'move-to' });
  move.appendChild(el('option', { value: '', text: '移至栏目…' }));
  columns.forEach((c, ci) => {
    if (key(listPath) !== key(['columns', ci, 'articles'])) {
      move.appendChild(el('option', { value: String(ci), text: c.name || `栏目 ${ci + 1}` }));
    }
  });
  move.addEventListener('change', () => {
    if (move.value === '') return;
    const ci = parseInt(move.value, 10);
    edit((doc) => moveArticle(doc, path, ['columns', ci, 'articles'], (doc.columns[ci].articles || []).length));
  });
  const handle = el('span', { class: 'handle', text: '⠿', title: '拖动以排序', draggable: 'true' });
  const box = el('fieldset', { class: 'article', dataset: { article: key(path) } },
    el('legend', {}, handle, document.createTextNode(` 文章 ${index + 1}`)),
    el('div', { class: 'tools' },
      button('上移', () => edit((doc) => swap(get(doc, listPath), index, index - 1)), '文章上移'),
      button('下移', () => edit((doc) => swap(get(doc, listPath), index, index + 1)), '文章下移'),
      move,
      button('删除文章', () => edit((doc) => get(doc, listPath).splice(index, 1)))),
    field('标题', [...path, 'title'], { multiline: true, rows: 2 }),
    field('目录标题', [...path, 'toc_title']),
    field('编者按', [...path, 'note', 'text'], { multiline: true, rows: 2 }),
    field('按语署名', [...path, 'note', 'signer']),
    field('署名', [...path, 'byline']),
    body([...path, 'body']),
    footnotes([...path, 'footnotes']));
  register(path, box);
  handle.addEventListener('dragstart', (e) => {
    dragging = path;
    e.dataTransfer.setData('text/plain', key(path));
    e.dataTransfer.effectAllowed = 'move';
  });
  box.addEventListener('dragover', (e) => { if (dragging) e.preventDefault(); });
  box.addEventListener('drop', (e) => {
    if (!dragging) return;
    e.preventDefault();
    const from = dragging;
    dragging = null;
    if (key(from) === key(path)) return;
    edit((doc) => moveArticle(doc, from, listPath, index));
  });
  if (!a) return box;
  return box;
}

// ---- the body -----------------------------------------------------------

// The body as blocks (a string body is one text block).
function blocks(path) {
  const b = get(state.doc, path);
  if (Array.isArray(b)) return b;
  return [{ text: typeof b === 'string' ? b : '' }];
}

// Makes the body an array of blocks in the document, and gives it.
function blocksIn(doc, path) {
  const b = get(doc, path);
  if (Array.isArray(b)) return b;
  const arr = typeof b === 'string' && b.trim() !== '' ? [{ text: b }] : [];
  set(doc, path, arr);
  return arr;
}

function kindOf(b) {
  if ('rows' in b || 'csv' in b) return 'table';
  if ('image' in b || 'images' in b) return 'figure';
  if ('items' in b) return 'list';
  return 'text';
}

const KIND = { text: '文字', table: '表格', figure: '图片', list: '列表' };

function body(path) {
  const list = blocks(path);
  const stringBody = !Array.isArray(get(state.doc, path));
  const box = el('div', { class: 'body' }, el('span', { class: 'label', text: '正文' }));
  list.forEach((b, bi) => {
    const bpath = stringBody ? path : [...path, bi];
    const kind = kindOf(b);
    const block = el('div', { class: `block block-${kind}` },
      el('div', { class: 'tools' },
        el('span', { class: 'kind', text: KIND[kind] }),
        button('上移', () => edit((doc) => swap(blocksIn(doc, path), bi, bi - 1)), '块上移'),
        button('下移', () => edit((doc) => swap(blocksIn(doc, path), bi, bi + 1)), '块下移'),
        button('删除', () => edit((doc) => blocksIn(doc, path).splice(bi, 1)), '删除块')));
    if (kind === 'text') {
      block.appendChild(field('', stringBody ? path : [...bpath, 'text'], {
        multiline: true, rows: 6,
        onpaste: (e, input) => pasteBody(e, input, path, bi),
      }));
    } else if (kind === 'table') {
      block.appendChild(tableBlock(bpath));
    } else if (kind === 'figure') {
      block.appendChild(figureBlock(bpath));
    } else {
      block.appendChild(listBlock(bpath));
    }
    register(bpath, block);
    box.appendChild(block);
  });
  box.appendChild(el('div', { class: 'tools add-block' },
    button('添加文字', () => edit((doc) => blocksIn(doc, path).push({ text: '' }))),
    button('添加表格', () => edit((doc) => blocksIn(doc, path).push({ header: [['', '']], rows: [['', '']] }))),
    button('添加图片', () => edit((doc) => blocksIn(doc, path).push({ image: '', caption: '' }))),
    button('添加列表', () => edit((doc) => blocksIn(doc, path).push({ items: [''], numbered: false })))));
  register(path, box);
  return box;
}

// Word's HTML on the clipboard: paragraphs, lists and tables, read by the
// server as the importer reads documents.
async function pasteBody(e, input, path, bi) {
  const html = e.clipboardData && e.clipboardData.getData('text/html');
  if (!html) return;
  e.preventDefault();
  try {
    const r = await post('/api/paste', { html });
    if (!r.blocks || !r.blocks.length) return;
    edit((doc) => {
      const arr = blocksIn(doc, path);
      const cur = arr[bi];
      const empty = !cur || (kindOf(cur) === 'text' && !(cur.text || '').trim());
      if (empty) arr.splice(bi, cur ? 1 : 0, ...r.blocks);
      else arr.splice(bi + 1, 0, ...r.blocks);
    });
  } catch (err) {
    $('state').textContent = err.message;
  }
}

async function pasteWhole(e) {
  const html = e.clipboardData && e.clipboardData.getData('text/html');
  const text = e.clipboardData && e.clipboardData.getData('text/plain');
  e.preventDefault();
  try {
    const r = await post('/api/paste', { html: html || escapeText(text || ''), whole: true });
    const got = r.issue || {};
    edit((doc) => {
      delete doc.columns;
      delete doc.articles;
      if (got.columns) doc.columns = got.columns;
      if (got.articles) doc.articles = got.articles;
      // Masthead and footer: what differs from the series file.
      for (const t of ['bulletin', 'footer']) {
        for (const [k, v] of Object.entries(got[t] || {})) {
          if (get(state.series, [t, k]) === v) continue;
          if (!doc[t]) doc[t] = {};
          doc[t][k] = v;
        }
      }
      for (const k of ['number', 'date']) {
        if (got.issue && got.issue[k] !== undefined && !(r.placeholders || []).includes('issue.' + k)) {
          doc.issue[k] = got.issue[k];
        }
      }
    });
  } catch (err) {
    $('state').textContent = err.message;
  }
}

// Plain text as HTML paragraphs, for the server's one reader (the text is
// escaped; nothing is ever put into the page as HTML).
function escapeText(s) {
  const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return s.split(/\r?\n/).map((l) => '<p>' + esc(l) + '</p>').join('');
}

function cellText(c) {
  if (c === null || c === undefined) return '';
  if (typeof c === 'object') return String(c.text ?? '');
  return String(c);
}

// Tab-separated text (Excel, WPS) as rows.
function tsvRows(text) {
  return text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
}

function tableBlock(path) {
  const b = get(state.doc, path);
  const wrap = el('div', { class: 'table-edit' });
  wrap.appendChild(field('表题', [...path, 'caption']));
  if (b.csv !== undefined) {
    wrap.appendChild(field('CSV 文件', [...path, 'csv']));
    return wrap;
  }
  const grid = el('table', { class: 'cells' });
  const part = (name) => {
    const rows = Array.isArray(b[name]) ? b[name] : [];
    rows.forEach((row, ri) => {
      const tr = el('tr', { class: name === 'header' ? 'head' : '' });
      (Array.isArray(row) ? row : []).forEach((c, ci) => {
        const input = el('input', { type: 'text', value: cellText(c) });
        input.value = cellText(c);
        const cpath = [...path, name, ri, ci];
        input.dataset.path = key(cpath);
        input.addEventListener('input', () => {
          snapshot(key(cpath));
          const old = get(state.doc, cpath);
          if (old && typeof old === 'object') old.text = input.value;
          else set(state.doc, cpath, input.value);
          changed();
        });
        tr.appendChild(el('td', {}, input));
      });
      grid.appendChild(tr);
    });
  };
  part('header');
  part('rows');
  wrap.appendChild(grid);
  const width = () => Math.max(1, ...[...(b.header || []), ...(b.rows || [])].map((r) => (Array.isArray(r) ? r.length : 0)));
  const paste = el('textarea', { rows: 2, class: 'paste-table', placeholder: '粘贴表格：在 Excel/WPS 中选中单元格复制，粘贴到这里（首行作表头）' });
  paste.addEventListener('paste', async (e) => {
    e.preventDefault();
    const html = e.clipboardData.getData('text/html');
    const text = e.clipboardData.getData('text/plain');
    let rows = null;
    if (html && /<table/i.test(html)) {
      try {
        const r = await post('/api/paste', { html });
        const t = (r.blocks || []).find((x) => 'rows' in x);
        if (t) rows = [...(t.header || []), ...t.rows];
      } catch (err) { $('state').textContent = err.message; }
    }
    if (!rows && text) rows = tsvRows(text);
    if (!rows || !rows.length) return;
    edit((doc) => {
      const t = get(doc, path);
      t.header = rows.slice(0, 1);
      t.rows = rows.length > 1 ? rows.slice(1) : [rows[0].map(() => '')];
    });
  });
  wrap.appendChild(el('div', { class: 'tools' },
    button('加一行', () => edit((doc) => { const t = get(doc, path); (t.rows = t.rows || []).push(Array(width()).fill('')); })),
    button('加一列', () => edit((doc) => { const t = get(doc, path); for (const r of [...(t.header || []), ...(t.rows || [])]) r.push(''); })),
    button('删末行', () => edit((doc) => { const t = get(doc, path); if ((t.rows || []).length > 1) t.rows.pop(); })),
    button('删末列', () => edit((doc) => { const t = get(doc, path); if (width() > 1) for (const r of [...(t.header || []), ...(t.rows || [])]) r.pop(); }))));
  wrap.appendChild(paste);
  return wrap;
}

function figureBlock(path) {
  const b = get(state.doc, path);
  const wrap = el('div', { class: 'figure-edit' });
  if (b.images !== undefined) {
    wrap.appendChild(el('p', { text: `一组 ${b.images.length} 张图片（在文件中编辑）` }));
    wrap.appendChild(field('图题', [...path, 'caption']));
    return wrap;
  }
  const file = el('input', { type: 'file', accept: 'image/png,image/jpeg,image/svg+xml,image/gif' });
  const drop = el('div', { class: 'drop', text: b.image ? `图片：${b.image}` : '把图片拖到这里，或选择文件' });
  const take = async (f) => {
    if (!f) return;
    try {
      const r = await fetch('/api/upload?file=' + encodeURIComponent(f.name), { method: 'POST', body: f });
      const out = await r.json();
      if (!r.ok) throw new Error(out.error || r.statusText);
      edit((doc) => { get(doc, path).image = out.path; });
    } catch (err) {
      $('state').textContent = err.message;
    }
  };
  file.addEventListener('change', () => take(file.files[0]));
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    take(e.dataTransfer.files[0]);
  });
  wrap.appendChild(drop);
  wrap.appendChild(file);
  wrap.appendChild(field('图片文件', [...path, 'image']));
  wrap.appendChild(field('图题', [...path, 'caption']));
  wrap.appendChild(field('宽度（如 120mm 或 0.8）', [...path, 'width'], { width: true }));
  return wrap;
}

function listBlock(path) {
  const b = get(state.doc, path);
  const wrap = el('div', { class: 'list-edit' });
  const ta = el('textarea', { rows: 3, placeholder: '每行一项' });
  ta.value = (b.items || []).map(cellText).join('\n');
  ta.dataset.path = key([...path, 'items']);
  ta.addEventListener('input', () => {
    snapshot(key([...path, 'items']));
    get(state.doc, path).items = ta.value.split('\n');
    changed();
  });
  const cb = el('input', { type: 'checkbox' });
  cb.checked = !!b.numbered;
  cb.addEventListener('change', () => {
    snapshot(null);
    get(state.doc, path).numbered = cb.checked;
    changed();
  });
  const items = el('label', { class: 'field' }, el('span', { class: 'label', text: '列表项' }), ta);
  register([...path, 'items'], items);
  wrap.appendChild(items);
  wrap.appendChild(el('label', { class: 'check' }, cb, document.createTextNode(' 编号')));
  return wrap;
}

function footnotes(path) {
  const notes = get(state.doc, path) || {};
  const box = el('div', { class: 'footnotes' }, el('span', { class: 'label', text: '注释（正文中写 [^1]）' }));
  for (const k of Object.keys(notes)) {
    box.appendChild(el('div', { class: 'footnote' },
      field(`[^${k}]`, [...path, k]),
      button('删除', () => edit((doc) => set(doc, [...path, k], undefined)), '删除注释')));
  }
  box.appendChild(button('添加注释', () => edit((doc) => {
    const n = get(doc, path) || {};
    let i = 1;
    while (n[String(i)] !== undefined) i++;
    set(doc, [...path, String(i)], '');
  })));
  register(path, box);
  return box;
}

// ---- the server ---------------------------------------------------------

async function post(path, body) {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const out = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) {
    const e = new Error(out.error || r.statusText);
    e.status = r.status;
    e.body = out;
    throw e;
  }
  return out;
}

// The edited issue's pages and problems, a pause after the last change.
async function preview() {
  if (!state) return;
  const mine = ++seq;
  document.body.dataset.pending = '1';
  $('state').textContent = $('state').textContent === '已保存' ? '已保存' : '未保存 · 排版中…';
  let r;
  try {
    r = await post('/api/preview', { name: state.name, base: state.base, doc: state.doc });
  } catch (err) {
    if (mine !== seq) return;
    showError({ message: err.message });
    if (!timer) document.body.dataset.pending = '0';
    return;
  }
  if (mine !== seq || r.superseded) return;
  state.rendered = r;
  state.problems = r.problems.concat(r.error ? [r.error] : []);
  if (r.pages) showPages(r.version, r.pages);
  showError(r.error);
  showProblems(state.problems);
  document.body.dataset.rendered = String(mine);
  if (!timer) document.body.dataset.pending = '0';
  $('state').textContent = state.saved === r.hash ? '已保存' : '未保存';
}

function showPages(version, texts) {
  const box = $('pages');
  box.replaceChildren();
  texts.forEach((text, i) => {
    const img = el('img', { src: `/api/page?v=${version}&n=${i + 1}`, alt: `第 ${i + 1} 页` });
    const t = el('div', { class: 'page-text', text });
    box.appendChild(el('figure', { class: 'page', dataset: { page: i + 1 } }, img, t,
      el('figcaption', { text: `${i + 1}` })));
  });
  box.dataset.version = String(version);
}

function showError(e) {
  const box = $('render-error');
  if (!e) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el('strong', { text: '这次修改排不出版面，下面仍是上一次的页面：' }),
    el('pre', { text: e.message + (e.hints && e.hints.length ? '\n' + e.hints.join('\n') : '') }));
  box.hidden = false;
}

// Each problem at its field (the nearest field of its key path), the rest
// in the general list.
function showProblems(problems) {
  for (const n of document.querySelectorAll('#form .problem')) n.remove();
  for (const n of document.querySelectorAll('#form .has-problem')) n.classList.remove('has-problem');
  const general = $('problems');
  general.replaceChildren();
  for (const p of problems) {
    let target = null;
    if (p.path) {
      const parts = serverPath(p.path).split('.');
      for (let n = parts.length; n > 0 && !target; n--) target = fields.get(parts.slice(0, n).join('.')) || null;
    }
    const text = (p.severity === 'error' ? '错误：' : '提示：') + p.message +
      (p.hints && p.hints.length ? '（' + p.hints.join('；') + '）' : '');
    const note = el('div', { class: `problem problem-${p.severity}`, text, role: 'note' });
    if (target) {
      target.classList.add('has-problem');
      target.appendChild(note);
    } else {
      general.appendChild(el('li', { class: `problem-${p.severity}`, text }));
    }
  }
}

// The lines of `a` that `b` has not, numbered (a plain line diff, enough to
// see what the other edit did).
function onlyIn(a, b) {
  const other = new Set(b.split('\n'));
  const out = [];
  a.split('\n').forEach((line, i) => {
    if (!other.has(line)) out.push(`${i + 1}: ${line}`);
  });
  return out.length ? out.join('\n') : '（无不同的行）';
}

async function save(force) {
  if (!state) return;
  clearTimeout(timer);
  try {
    const r = await post('/api/save', {
      name: state.name, base: state.base, base_hash: state.hash, doc: state.doc, force: !!force,
    });
    state.base = r.text;
    state.hash = r.hash;
    state.saved = r.hash;
    $('conflict').hidden = true;
    $('state').textContent = '已保存';
    document.body.dataset.saved = r.hash;
  } catch (err) {
    if (err.status === 409) {
      const mine = err.body.mine || '';
      const theirs = err.body.theirs;
      $('conflict-mine').textContent = onlyIn(mine, theirs || '');
      $('conflict-theirs').textContent = theirs === null || theirs === undefined
        ? '（文件已被删除）' : onlyIn(theirs, mine);
      state.theirs = err.body;
      $('conflict').hidden = false;
      $('state').textContent = '未保存：文件已在磁盘上被修改';
    } else {
      $('state').textContent = '未保存：' + err.message;
    }
  }
}

export async function openIssue(name, close) {
  const r = await fetch('/api/issue?name=' + encodeURIComponent(name));
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  const keepUndo = state && state.name === name && close === undefined;
  if (close) onClose = close;
  if (!keepUndo) undoStack = [];
  state = {
    name: data.name, base: data.text, hash: data.hash, saved: null,
    doc: data.own, series: data.series || {}, inSeries: data.in_series, problems: [],
  };
  $('issue-name').textContent = data.name;
  $('undo').disabled = undoStack.length === 0;
  $('conflict').hidden = true;
  $('pages').replaceChildren();
  $('editor').hidden = false;
  $('folder').hidden = true;
  build();
  $('state').textContent = '';
  await preview();
  state.saved = state.rendered ? state.rendered.hash : null;
  $('state').textContent = '已载入';
}

function init() {
  $('undo').addEventListener('click', undo);
  $('save').addEventListener('click', () => save(false));
  $('keep-mine').addEventListener('click', () => save(true));
  $('take-theirs').addEventListener('click', () => {
    // Mine stays one undo away.
    snapshot(null);
    openIssue(state.name).catch((e) => { $('state').textContent = e.message; });
  });
  $('reload').addEventListener('click', () => location.reload());
  $('back').addEventListener('click', () => {
    $('editor').hidden = true;
    $('folder').hidden = false;
    state = null;
    if (onClose) onClose();
  });
  document.addEventListener('keydown', (e) => {
    if (!state) return;
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      undo();
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
      e.preventDefault();
      save(false);
    }
  });
}

init();
