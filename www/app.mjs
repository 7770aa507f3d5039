// The demo page: binds timeline records with the built package, one from the
// form or many from a CSV or JSON list, and shows each typed outcome. Inside a
// Bitrix24 placement it calls through the page's BX24 instead of credentials.
//
// Credentials live only in the form's inputs and in this module's calls: the
// page never writes them to its address, to storage or to cookies.

const PACKAGE_URL = '/pkg/index.js';
const BIND_FIELDS = ['OWNER_ID', 'ENTITY_ID', 'ENTITY_TYPE'];
const CALL_TIMEOUT_MS = 15_000;
const FAILURE_COLUMNS = ['index', ...BIND_FIELDS, 'code', 'description'];

// A placement loads the BX24 library before this module runs.
const placementBX24 = window.BX24;

const connectionForm = document.getElementById('connection');
const bindForm = document.getElementById('bind-form');
const bulkForm = document.getElementById('bulk-form');

let b24;
try {
  b24 = await import(PACKAGE_URL);
} catch (error) {
  showLoadError(error);
}

if (b24) {
  if (placementBX24) enterPlacement(placementBX24);
  else await prefillConnection();

  connectionForm.addEventListener('change', showChosenAuth);
  connectionForm.addEventListener('submit', (event) => event.preventDefault());
  bindForm.addEventListener('submit', onBind);
  bulkForm.addEventListener('submit', onBulk);
  document.getElementById('bulk-file').addEventListener('change', onBulkFile);
  for (const input of document.querySelectorAll('input, select, textarea')) {
    input.addEventListener('input', () => clearInvalid(input));
  }
  document.body.dataset.ready = 'true';
}

function showLoadError(error) {
  const notice = document.getElementById('load-error');
  notice.textContent = `The package did not load from ${PACKAGE_URL} (${error.message}). Build it with npm run demo.`;
  notice.hidden = false;
  for (const button of document.querySelectorAll('button')) button.disabled = true;
}

// The connection the calls use.

/** Hides the credential fields and announces that calls go through BX24. */
function enterPlacement(bx24) {
  document.getElementById('credentials').hidden = true;
  document.querySelector('#connection .hint').hidden = true;
  document.getElementById('placement-notice').hidden = false;
  document.body.dataset.connection = 'placement';
  // BX24 holds calls made before init and sends them once the portal is ready.
  if (typeof bx24.init === 'function') bx24.init(() => {});
}

/**
 * Prefills the credentials the demo server offers on this page's own origin;
 * leaves the fields empty when it offers none (a server without the file, or a
 * real portal, whose webhook the demo never hands out).
 */
async function prefillConnection() {
  let config;
  try {
    const response = await fetch('demo-config.json', { cache: 'no-store' });
    if (!response.ok) return;
    config = await response.json();
  } catch {
    return;
  }
  for (const [name, id] of [
    ['webhookUrl', 'webhook-url'],
    ['portalUrl', 'portal-url'],
    ['accessToken', 'access-token'],
  ]) {
    if (typeof config?.[name] === 'string') document.getElementById(id).value = config[name];
  }
}

function showChosenAuth() {
  const chosen = connectionForm.elements.auth.value;
  for (const field of connectionForm.querySelectorAll('[data-auth]')) {
    field.hidden = field.dataset.auth !== chosen;
  }
}

/** The connection the calls use: the placement's BX24, a webhook, or a portal and token. */
function currentConnection() {
  if (placementBX24) return { bx24: placementBX24, timeoutMs: CALL_TIMEOUT_MS };

  const { auth, webhookUrl, portalUrl, accessToken } = connectionForm.elements;
  if (auth.value === 'webhook') {
    return { webhookUrl: webhookUrl.value.trim(), timeoutMs: CALL_TIMEOUT_MS };
  }
  return { portalUrl: portalUrl.value.trim(), accessToken: accessToken.value.trim(), timeoutMs: CALL_TIMEOUT_MS };
}

// The input a connection error is about: the address the chosen mode needs.
function connectionInput() {
  const id = connectionForm.elements.auth.value === 'webhook' ? 'webhook-url' : 'portal-url';
  return document.getElementById(id);
}

// One binding from the form.

async function onBind(event) {
  event.preventDefault();
  clearAllInvalid();

  const fields = Object.fromEntries(BIND_FIELDS.map((name) => [name, bindForm.elements[name].value.trim()]));
  try {
    b24.validateBindFields(fields);
  } catch (error) {
    markInvalid(error);
    showFailure(error, 'Nothing was sent: the package refused the fields.');
    return;
  }

  const button = bindForm.querySelector('button[type="submit"]');
  await busy(button, 'Binding…', async () => {
    try {
      showSuccess(await b24.bindTimeline(fields, currentConnection()));
    } catch (error) {
      markInvalid(error);
      showFailure(error);
    }
  });
}

function showSuccess({ result, time }) {
  const rows = [['result', String(result)]];
  for (const [name, value] of Object.entries(time ?? {})) rows.push([`time.${name}`, formatValue(value)]);

  const title = result ? 'Bound' : 'Not bound: the portal answered result: false';
  renderOutcome(result ? 'success' : 'warning', title, rows);
}

function showFailure(error, note) {
  if (!isB24Error(error)) {
    renderOutcome('failure', 'Failed', [['error', String(error)]]);
    return;
  }
  const rows = [
    ['code', error.code],
    ['kind', error.kind],
    ['description', error.description],
  ];
  if (error.status !== undefined) rows.push(['status', String(error.status)]);
  if (error.field !== undefined) rows.push(['field', error.field]);
  rows.push(['retryable', error.retryable ? 'yes: the same call may succeed later' : 'no']);
  renderOutcome('failure', `Failed: ${error.code}`, rows, note);
}

function renderOutcome(tone, title, rows, note) {
  const outcome = document.getElementById('outcome');
  outcome.className = `outcome outcome-${tone}`;
  outcome.dataset.tone = tone;

  const heading = document.createElement('h3');
  heading.textContent = title;
  const list = document.createElement('dl');
  for (const [name, value] of rows) {
    const term = document.createElement('dt');
    term.textContent = name;
    const detail = document.createElement('dd');
    detail.textContent = value;
    detail.dataset.name = name;
    list.append(term, detail);
  }
  outcome.replaceChildren(heading, list);
  if (note) {
    const paragraph = document.createElement('p');
    paragraph.textContent = note;
    outcome.append(paragraph);
  }
  outcome.hidden = false;
}

function formatValue(value) {
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(4);
  return String(value);
}

// Marking the inputs an error names.

const FIELD_INPUTS = { OWNER_ID: 'owner-id', ENTITY_ID: 'entity-id', ENTITY_TYPE: 'entity-type' };

/**
 * Marks every input an error names: each field of a field error (`details`,
 * or `field` alone), or the connection's address for `INVALID_CONNECTION`.
 * Focuses the first one.
 */
function markInvalid(error) {
  if (!isB24Error(error)) return;

  const marks = [];
  const issues = error.details ?? (error.field ? [{ field: error.field, description: error.description }] : []);
  for (const issue of issues) {
    const id = FIELD_INPUTS[issue.field];
    if (id) marks.push([document.getElementById(id), issue.description]);
  }
  if (error.code === 'INVALID_CONNECTION' && !placementBX24) marks.push([connectionInput(), error.description]);

  for (const [input, message] of marks) setInvalid(input, message);
  marks[0]?.[0].focus();
}

function setInvalid(input, message) {
  input.setAttribute('aria-invalid', 'true');
  const text = document.getElementById(`${input.id}-message`);
  if (text) text.textContent = message;
}

function clearInvalid(input) {
  if (input.getAttribute('aria-invalid') !== 'true') return;
  input.removeAttribute('aria-invalid');
  const text = document.getElementById(`${input.id}-message`);
  if (text) text.textContent = '';
}

function clearAllInvalid() {
  for (const input of document.querySelectorAll('[aria-invalid="true"]')) clearInvalid(input);
}

function isB24Error(error) {
  return error instanceof b24.B24Error;
}

async function busy(button, label, work) {
  const idle = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    await work();
  } finally {
    button.disabled = false;
    button.textContent = idle;
  }
}

// Many bindings from a list.

async function onBulkFile(event) {
  const [file] = event.target.files;
  if (!file) return;
  const textarea = document.getElementById('bulk-items');
  textarea.value = await file.text();
  clearInvalid(textarea);
  event.target.value = '';
}

async function onBulk(event) {
  event.preventDefault();
  clearAllInvalid();
  const textarea = document.getElementById('bulk-items');

  let items;
  try {
    items = parseItems(textarea.value);
  } catch (error) {
    setInvalid(textarea, error.message);
    textarea.focus();
    return;
  }

  let client;
  try {
    client = b24.createClient(currentConnection());
  } catch (error) {
    markInvalid(error);
    setInvalid(textarea, `Not sent: ${error.code ?? 'error'}: ${error.description ?? error.message}`);
    return;
  }

  const button = bulkForm.querySelector('button[type="submit"]');
  await busy(button, 'Binding…', async () => {
    startBulkOutcome(items.length);
    try {
      const outcome = await client.bindTimelineMany(items, { onProgress: showProgress });
      showProgress(items.length, items.length);
      showBulkResults(items, outcome);
    } catch (error) {
      setInvalid(textarea, `Not sent: ${error.code ?? 'error'}: ${error.description ?? error.message}`);
    } finally {
      client.free();
    }
  });
}

/**
 * Reads the pasted or loaded list: a JSON array when it starts with `[`,
 * otherwise CSV with a header row. Throws an Error whose message tells the
 * person what to fix. Items are passed on as given; the package validates each.
 */
function parseItems(text) {
  const source = text.replace(/^\uFEFF/, '');
  if (source.trim() === '') throw new Error('Paste or load a list first.');

  if (source.trimStart().startsWith('[')) {
    let items;
    try {
      items = JSON.parse(source);
    } catch (error) {
      throw new Error(`The JSON does not parse: ${error.message}`);
    }
    if (!Array.isArray(items) || items.length === 0) throw new Error('The JSON must be a non-empty array.');
    return items;
  }
  return itemsFromCsv(source);
}

function itemsFromCsv(source) {
  const rows = parseCsv(source).filter((row) => row.some((cell) => cell.trim() !== ''));
  const [header, ...records] = rows;
  const names = header.map((name) => name.trim().toUpperCase());
  const missing = BIND_FIELDS.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new Error(`The CSV header row must name ${BIND_FIELDS.join(', ')}; missing: ${missing.join(', ')}.`);
  }
  if (records.length === 0) throw new Error('The CSV has a header row but no items.');

  const columns = BIND_FIELDS.map((name) => [name, names.indexOf(name)]);
  return records.map((record) => Object.fromEntries(columns.map(([name, at]) => [name, (record[at] ?? '').trim()])));
}

/**
 * Splits CSV text into rows of cells, as RFC 4180 writes it: commas between
 * cells, CRLF or LF between rows, and quoted cells that may hold commas, line
 * breaks and doubled quotes. Throws an Error for a quote left open.
 */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  let cellStarted = false;

  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (quoted) {
      if (char !== '"') cell += char;
      else if (text[at + 1] === '"') {
        cell += '"';
        at += 1;
      } else quoted = false;
    } else if (char === '"' && !cellStarted) {
      quoted = true;
      cellStarted = true;
    } else if (char === ',') {
      row.push(cell);
      cell = '';
      cellStarted = false;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[at + 1] === '\n') at += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      cellStarted = false;
    } else {
      cell += char;
      cellStarted = true;
    }
  }
  if (quoted) throw new Error('The CSV has a quoted cell that is never closed.');
  if (cellStarted || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

function startBulkOutcome(total) {
  document.getElementById('bulk-outcome').hidden = false;
  document.getElementById('bulk-summary').textContent = '';
  document.getElementById('bulk-download').hidden = true;
  document.querySelector('#bulk-results tbody').replaceChildren();
  showProgress(0, total);
}

function showProgress(done, total) {
  const progress = document.getElementById('bulk-progress');
  progress.max = total;
  progress.value = done;
  document.getElementById('bulk-progress-text').textContent = `${done} / ${total}`;
}

// The items `failed` counts: refused ones and those the portal answered `result: false`.
function isFailure(entry) {
  return !entry.ok || entry.result !== true;
}

function showBulkResults(items, { results, succeeded, failed }) {
  const order = failed > 0 ? ' Failures are listed first.' : '';
  document.getElementById('bulk-summary').textContent = `${succeeded} bound, ${failed} failed, of ${items.length}.${order}`;

  // Failures first, so they are in sight without scrolling a long table.
  const ordered = [...results.filter(isFailure), ...results.filter((entry) => !isFailure(entry))];
  const body = document.createDocumentFragment();
  for (const entry of ordered) {
    const row = document.createElement('tr');
    row.className = isFailure(entry) ? 'failed' : 'bound';
    const values = [String(entry.index), entryOutcome(entry), ...BIND_FIELDS.map((name) => itemValue(items[entry.index], name))];
    for (const value of values) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.append(cell);
    }
    body.append(row);
  }
  document.querySelector('#bulk-results tbody').replaceChildren(body);

  const download = document.getElementById('bulk-download');
  download.hidden = failed === 0;
  download.onclick = () => downloadFailures(items, results.filter(isFailure));
}

function entryOutcome(entry) {
  if (entry.ok) return entry.result ? 'bound' : 'not bound (result: false)';
  return `${entry.error.code}: ${entry.error.description}`;
}

function itemValue(item, name) {
  const value = item !== null && typeof item === 'object' ? item[name] : undefined;
  return value === undefined || value === null ? '' : String(value);
}

/** Offers the failed items as failures.csv, built in memory and never sent anywhere. */
function downloadFailures(items, failures) {
  const lines = [FAILURE_COLUMNS.join(',')];
  for (const entry of failures) {
    const code = entry.ok ? '' : entry.error.code;
    const description = entry.ok ? 'The portal answered result: false.' : entry.error.description;
    const cells = [String(entry.index), ...BIND_FIELDS.map((name) => itemValue(items[entry.index], name)), code, description];
    lines.push(cells.map(csvCell).join(','));
  }

  const url = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = 'failures.csv';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

// Quotes a cell when it holds a comma, quote or line break, and defuses a
// leading =, +, - or @, which a spreadsheet would run as a formula.
function csvCell(value) {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
