// Turns the measurements into the one markdown table the bench prints, with
// b24-timeline's targets next to the numbers. Targets inform; nothing here
// fails a run.
import { LIBRARIES, LIBRARY_TITLES } from './apps.mjs';

/**
 * The table's lines and its footnotes for `results` (`{ payload, startup,
 * latency, bulk }`, each keyed by library, or `{ error }` for a section that
 * failed as a whole).
 */
export function renderTable(results, settings) {
  const footnotes = [];
  const note = (text) => {
    if (!footnotes.includes(text)) footnotes.push(text);
    return ` (${footnotes.indexOf(text) + 1})`;
  };
  const { payload, startup, latency, bulk } = results;
  const ours = (section) => section?.['b24-timeline'];
  const ratioToFetch = ratio(latency, 'b24-timeline', 'fetch');

  const rows = [
    [
      'Payload, gzip -9, one bind call',
      ...cells(payload, note, (value) => payloadText(value, note)),
      target('≤ 25 KB', ours(payload), (value) => value.gzip <= 25_000),
    ],
    [
      `Start-up to first bind, median of ${settings.startupRuns}`,
      ...cells(startup, note, (value) => `${value.medianMs.toFixed(0)} ms`),
      '',
    ],
    [
      `Per-call latency, median of ${settings.latencySamples}`,
      ...cells(latency, note, (value) => `${value.medianMs.toFixed(3)} ms`),
      '',
    ],
    [
      '… as a ratio to hand-written fetch',
      ...ratioCells(latency, 'fetch', note),
      target('≤ 1.15× fetch', ratioToFetch, (value) => value <= 1.15),
    ],
    ['… as a ratio to the SDK', ...ratioCells(latency, 'sdk', note), ''],
    [
      `Bulk, ${thousands(settings.bulkItems)} items through batch`,
      ...cells(bulk, note, bulkRate),
      '',
    ],
    [
      '… of the bucket’s ceiling',
      ...cells(bulk, note, (value) => `${(value.ofCeiling * 100).toFixed(1)}%`),
      target('≥ 90%', ours(bulk), (value) => value.ofCeiling >= 0.9),
    ],
    ['… 503s the portal sent', ...cells(bulk, note, (value) => String(value.refused)), ''],
    [
      '… items lost (failed)',
      ...cells(bulk, note, (value) => `${value.lost} (${value.failed})`),
      target('0 lost', ours(bulk), (value) => value.lost === 0),
    ],
  ];

  const header = ['', ...LIBRARIES.map((library) => LIBRARY_TITLES[library]), 'target (b24-timeline)'];
  const alignment = header.map((_, index) => (index === 0 || index === header.length - 1 ? '---' : '--:'));
  return {
    table: [header, alignment, ...rows].map((row) => `| ${row.join(' | ')} |`),
    footnotes: footnotes.map((text, index) => `(${index + 1}) ${text}`),
  };
}

/** One cell per library: `format` of its value, or why there is none. */
function cells(section, note, format) {
  return LIBRARIES.map((library) => {
    const value = section?.[library];
    if (section?.error) return section.error;
    const skipped = section?.skipped?.[library];
    if (value === undefined) return skipped ? `—${note(skipped)}` : '—';
    if (value.unavailable) return `not available${note(value.unavailable)}`;
    if (value.error) return value.error;
    return format(value);
  });
}

function ratioCells(latency, base, note) {
  return cells(latency, note, (value) => {
    const baseValue = latency[base]?.medianMs;
    return baseValue === undefined ? '—' : `${(value.medianMs / baseValue).toFixed(3)}×`;
  });
}

function ratio(latency, library, base) {
  const value = latency?.[library]?.medianMs;
  const baseValue = latency?.[base]?.medianMs;
  return value === undefined || baseValue === undefined ? undefined : value / baseValue;
}

function payloadText(value, note) {
  const parts =
    value.wasm === undefined ? '' : ` (${kilobytes(value.js)} JS + ${kilobytes(value.wasm)} wasm)`;
  const platform =
    value.platform === 'node'
      ? note('Needs Node built-ins, so it was bundled with platform node; a browser cannot run it as is.')
      : '';
  const lazy =
    value.lazy === undefined
      ? ''
      : note(
          `bindTimelineMany loads ${kilobytes(value.lazy)} more on its first call (the bulk chunk and its wasm); ` +
            'measured with code splitting, as Vite, Rollup and webpack bundle by default.',
        );
  return `${kilobytes(value.gzip)}${parts}${platform}${lazy}`;
}

/** The target's text, and whether this run met it when there is a number to judge. */
function target(text, value, met) {
  if (value === undefined || value.error || value.unavailable) return text;
  return `${text}: ${met(value) ? 'met' : 'missed'}`;
}

function bulkRate(value) {
  return `${thousands(value.itemsPerSecond)} items/s in ${value.seconds.toFixed(1)} s`;
}

function kilobytes(bytes) {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

function thousands(number) {
  return Math.round(number).toLocaleString('en');
}
