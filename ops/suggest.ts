/**
 * "Did you mean ...?" for misspelt commands, subcommands, options and provider ids: the closest known
 * name by edit distance (insertions, deletions, substitutions and swaps of two neighbours), when it is
 * close enough to be a typo rather than another word.
 */

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name closest to `input`, or undefined when none is close: at most 1 edit for names of up to
 * 4 characters, 2 up to 8, else 3; a known name that starts with the input (3+ characters) also counts.
 */
export function closest(input: string, known: readonly string[]): string | undefined {
  const text = input.toLowerCase();
  if (text === '') return undefined;
  const allowed = text.length <= 4 ? 1 : text.length <= 8 ? 2 : 3;
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(text, name.toLowerCase());
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  if (best) return best.name;
  if (text.length >= 3) return known.find((name) => name.toLowerCase().startsWith(text));
  return undefined;
}

/** `; did you mean '<name>'?` for a close known name, else ''. */
export function didYouMean(input: string, known: readonly string[], quote = "'"): string {
  const match = closest(input, known);
  return match === undefined ? '' : `; did you mean ${quote}${match}${quote}?`;
}
