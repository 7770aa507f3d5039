// The one statistic the bench reports: the median, robust to the odd slow sample
// that a garbage collection or a scheduler hiccup adds on a small machine.

/** The median of `samples` (numbers, in any order); NaN for an empty list. */
export function median(samples) {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
