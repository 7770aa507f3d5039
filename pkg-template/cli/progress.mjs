// bind-many's progress bar: items done, the rate and the time left, drawn only on a terminal.

import cliProgress from 'cli-progress';

/**
 * Starts a progress bar for `total` items on `stream` when it is a terminal, and answers
 * `{ update(done), stop() }`; on anything else both do nothing, so piped output holds only the
 * summary.
 */
export function startProgress(total, stream) {
  if (!stream.isTTY) return { update() {}, stop() {} };

  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {value}/{total} items | {rate} items/s | ETA {eta_formatted}',
      barsize: 30,
      // Items settle a batch at a time: an average over a few batches keeps the ETA steady.
      etaBuffer: 8,
      etaAsynchronousUpdate: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedAt = performance.now();
  bar.start(total, 0, { rate: '0' });

  return {
    update(done) {
      const seconds = (performance.now() - startedAt) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0' });
    },
    stop() {
      bar.stop();
    },
  };
}
