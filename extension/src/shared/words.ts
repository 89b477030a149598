// Counted nouns in English, the one rule every contribution's text uses ("1 report", "3 reports").

/** The noun for `n` of it: "report" for 1, "reports" otherwise. */
export function noun(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** `n` and its noun: "1 report", "3 reports". */
export function plural(n: number, word: string): string {
  return `${n} ${noun(n, word)}`;
}
