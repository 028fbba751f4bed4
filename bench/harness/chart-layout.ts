/**
 * Where the words of a chart go: text widths estimated per character (an SVG written without a
 * browser cannot measure its text), words wrapped to a width, x-axis labels laid out so no two
 * overlap (wrapped, else rotated, else every k-th), and a legend as wide as its longest line.
 * The estimate errs wide: DejaVu Sans, the widest common default sans-serif, is the reference.
 */

const NARROW = new Set("il.,:;|!'`");
const SEMI = new Set('fjtrI()[]{}/\\- "');
const WIDE = new Set('mwMW@%');

/**
 * The rendered width of `text` in pixels at `fontSize`, a little above what a browser draws.
 *
 * @example textWidth('p99', 12) // about 23
 */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    if (NARROW.has(ch)) em += 0.34;
    else if (SEMI.has(ch)) em += 0.45;
    else if (WIDE.has(ch)) em += 1.0;
    else if (ch >= 'A' && ch <= 'Z') em += 0.75;
    else if (ch.charCodeAt(0) > 0x2000) em += 1.0; // µ is narrow, but arrows, dashes and CJK are not
    else em += 0.64;
  }
  return em * fontSize;
}

/**
 * Lines no wider than `maxPx` (a word wider than that is cut into pieces, never dropped).
 *
 * @example wrapText('custom runtime: bootstrap in C', 100, 11) // ['custom runtime:', 'bootstrap in C']
 */
export function wrapText(text: string, maxPx: number, fontSize: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const last = lines.at(-1);
    if (last !== undefined && textWidth(`${last} ${word}`, fontSize) <= maxPx) {
      lines[lines.length - 1] = `${last} ${word}`;
      continue;
    }
    let rest = word;
    while (textWidth(rest, fontSize) > maxPx && rest.length > 1) {
      let cut = rest.length - 1;
      while (cut > 1 && textWidth(rest.slice(0, cut), fontSize) > maxPx) cut -= 1;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    lines.push(rest);
  }
  return lines.length === 0 ? [''] : lines;
}

export interface XLabelLayout {
  /** 0: horizontal, wrapped into `lines`; 45 or 90: one line rotated by that many degrees. */
  readonly angle: 0 | 45 | 90;
  /** The lines of each label ([] for a label left out to make room). */
  readonly lines: readonly (readonly string[])[];
  /** Pixels below the axis the labels take. */
  readonly height: number;
}

const LINE = 1.25;

/**
 * Lay out x labels centred at increasing `xs`: wrapped horizontally when every label fits its
 * space (at most three lines), else rotated 45 or 90 degrees, leaving out labels (every k-th
 * kept) when even upright ones would touch.
 *
 * @example layoutXLabels(['a', 'b'], [0, 100], 11).angle // 0
 */
export function layoutXLabels(labels: readonly string[], xs: readonly number[], fontSize: number): XLabelLayout {
  const gap = 4;
  const lineHeight = fontSize * LINE;
  // Room of label i: half the distance to each neighbour (a lone label gets 200 px).
  const room = xs.map((x, i) => {
    const left = i > 0 ? x - (xs[i - 1] as number) : Number.POSITIVE_INFINITY;
    const right = i < xs.length - 1 ? (xs[i + 1] as number) - x : Number.POSITIVE_INFINITY;
    return Math.min(left, right, 400) - gap;
  });
  const wrapped = labels.map((label, i) => wrapText(label, Math.max(1, room[i] as number), fontSize));
  if (wrapped.every((lines, i) => lines.length <= 3 && lines.every((l) => textWidth(l, fontSize) <= (room[i] as number)))) {
    return { angle: 0, lines: wrapped, height: Math.max(1, ...wrapped.map((l) => l.length)) * lineHeight + 6 };
  }
  const spacing = Math.min(...xs.slice(1).map((x, i) => x - (xs[i] as number)));
  // Parallel rotated lines are spacing * sin(angle) apart; each needs a line height.
  const angle: 45 | 90 = spacing * Math.SQRT1_2 >= lineHeight ? 45 : 90;
  const step = angle === 90 && spacing < lineHeight ? Math.ceil(lineHeight / Math.max(spacing, 0.01)) : 1;
  const kept = labels.map((label, i) => (i % step === 0 ? [label] : []));
  const longest = Math.max(0, ...kept.map((l) => (l[0] === undefined ? 0 : textWidth(l[0], fontSize))));
  return { angle, lines: kept, height: (angle === 45 ? longest * Math.SQRT1_2 + lineHeight : longest) + 12 };
}

/** Indices of tick labels to draw so no two horizontal ones touch (the first always kept). */
export function sparseTicks(labels: readonly string[], xs: readonly number[], fontSize: number): number[] {
  const kept: number[] = [];
  let rightEdge = Number.NEGATIVE_INFINITY;
  labels.forEach((label, i) => {
    const half = textWidth(label, fontSize) / 2;
    const x = xs[i] as number;
    if (x - half >= rightEdge + 4) {
      kept.push(i);
      rightEdge = x + half;
    }
  });
  return kept;
}

export interface LegendLayout {
  readonly entries: readonly { readonly lines: readonly string[]; readonly y: number }[];
  /** Width of the legend column, swatch included. */
  readonly width: number;
  readonly height: number;
}

/** The legend column: each name wrapped to at most `maxPx`, the column as wide as its longest line. */
export function layoutLegend(names: readonly string[], fontSize: number, maxPx = 330): LegendLayout {
  const lineHeight = fontSize * LINE;
  let y = 0;
  const entries = names.map((name) => {
    const lines = wrapText(name, maxPx, fontSize);
    const entry = { lines, y };
    y += lines.length * lineHeight + 6;
    return entry;
  });
  const widest = Math.max(0, ...entries.flatMap((e) => e.lines.map((l) => textWidth(l, fontSize))));
  return { entries, width: 24 + widest, height: y };
}
