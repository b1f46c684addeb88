import type { ScreenData } from '../../lambda/src/handlers/screen-directive';
import type { ScreenDevice } from './virtual-echo';

/**
 * What an Echo screen shows, as text in a box: `npm start -- --screen` prints it under each answer. The
 * layout follows the APL documents' order (banner, title and position, the body, the question, then the
 * buttons or, on a Fire TV, which has no touch, the hint to say instead). Pure: no I/O.
 *
 * Widths are terminal columns: East Asian wide and fullwidth characters (Japanese) take two, combining
 * marks none, so the box stays square in any language.
 */

/** Something on the screen a touch can press: an available device, then each button, in screen order. */
export interface Tappable {
  /** As numbered on the screen, from 1. */
  number: number;
  label: string;
  arguments: string[];
  kind: 'device' | 'button';
}

/** The things a touch can press, numbered as `screenText` numbers them (devices first, then buttons). */
export function tappables(data: ScreenData): Tappable[] {
  const devices = data.devices
    .filter((d) => d.available)
    .map((d) => ({ label: d.name, arguments: d.arguments, kind: 'device' as const }));
  const buttons = data.buttons.map((b) => ({
    label: b.label,
    arguments: b.arguments,
    kind: 'button' as const,
  }));
  return [...devices, ...buttons].map((t, i) => ({ number: i + 1, ...t }));
}

const DEVICE_NAMES: Record<ScreenDevice, string> = {
  hub: 'Echo Show',
  round: 'Echo Spot',
  tv: 'Fire TV',
};

/** The smallest box drawn: room for a two-column character and a hanging indent. */
const MIN_WIDTH = 16;

/** Renders the screen in a box `width` columns wide (borders included). */
export function screenText(data: ScreenData, device: ScreenDevice, width = 64): string {
  const total = Math.max(MIN_WIDTH, Math.floor(width));
  const inner = total - 4;
  const corners = device === 'round' ? ['╭', '╮', '╰', '╯'] : ['┌', '┐', '└', '┘'];
  const sections: string[][] = [];

  // Banner, then the title with the position at the right.
  const head: string[] = [];
  if (data.banner) head.push(...wrap(data.banner, inner));
  head.push(...titleRows(data.title, data.position, inner));
  sections.push(head);

  // The body and the question, a blank row apart.
  const body: string[] = [];
  for (const line of data.lines) body.push(...wrap(line, inner, hangingIndent(line, inner)));
  if (data.question) {
    if (body.length > 0) body.push('');
    body.push(...wrap(data.question, inner));
  }
  if (body.length > 0) sections.push(body);

  // Devices: the available ones numbered (on a touch screen), the others with their note and no number.
  const touch = device !== 'tv';
  const numbered = tappables(data);
  const numberOf = (args: string[]) => numbered.find((t) => t.arguments === args)?.number;
  if (data.devices.length > 0) {
    const marks = data.devices.map((d) => (touch ? (d.available ? `[${numberOf(d.arguments)}]` : '') : '-'));
    const widest = Math.max(...marks.map(displayWidth));
    // Names line up after the widest mark; with no marks at all (nothing available) they start the row.
    const markWidth = widest === 0 ? 0 : Math.min(widest + 1, Math.floor(inner / 3));
    const rows: string[] = [];
    data.devices.forEach((d, i) => {
      const text = d.available || !d.note ? d.name : `${d.name} — ${d.note}`;
      wrap(text, inner - markWidth).forEach((part, at) => {
        const mark = at === 0 ? (marks[i] as string) : '';
        const space = markWidth === 0 ? 0 : Math.max(1, markWidth - displayWidth(mark));
        rows.push(`${mark}${' '.repeat(space)}${part}`);
      });
    });
    sections.push(rows);
  }

  // Buttons on a touch screen; a TV shows what to say instead.
  if (touch && data.buttons.length > 0) {
    sections.push(
      flow(
        data.buttons.map((b) => `[${numberOf(b.arguments)}] ${b.label}`),
        inner,
      ),
    );
  } else if (!touch && data.hint) {
    sections.push(wrap(data.hint, inner));
  }

  const name = ` ${DEVICE_NAMES[device]} `;
  const top =
    displayWidth(name) + 3 <= total
      ? `${corners[0]}─${name}${'─'.repeat(total - 3 - displayWidth(name))}${corners[1]}`
      : `${corners[0]}${'─'.repeat(total - 2)}${corners[1]}`;
  const rule = `├${'─'.repeat(total - 2)}┤`;
  const bottom = `${corners[2]}${'─'.repeat(total - 2)}${corners[3]}`;
  const row = (content: string) => `│ ${padTo(content, inner)} │`;
  const out = [top];
  sections.forEach((rows, i) => {
    if (i > 0) out.push(rule);
    out.push(...rows.map(row));
  });
  out.push(bottom);
  return out.join('\n');
}

/** The title, wrapped beside the position, which stands at the right of the first row. */
function titleRows(title: string, position: string, inner: number): string[] {
  const positionWidth = displayWidth(position);
  if (!position) return wrap(title, inner);
  if (positionWidth + 2 > inner / 2) return [...wrap(title, inner), ...wrap(position, inner)];
  const rows = wrap(title, inner - positionWidth - 2);
  const first = rows[0] ?? '';
  rows[0] = `${first}${' '.repeat(inner - displayWidth(first) - positionWidth)}${position}`;
  return rows;
}

/** A numbered action ("1. Turn off…") or a bullet wraps under its text, not under its number. */
function hangingIndent(line: string, inner: number): number {
  const mark = /^(?:\d+[.)．]|[-•*・])\s*/.exec(line)?.[0] ?? '';
  return Math.min(displayWidth(mark), Math.floor(inner / 3));
}

/** Items laid out in rows, two spaces apart, each kept whole on a row when it fits on one. */
function flow(items: string[], inner: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const item of items) {
    if (row && displayWidth(row) + 2 + displayWidth(item) <= inner) {
      row += `  ${item}`;
      continue;
    }
    if (row) rows.push(row);
    // An item longer than a row wraps under its label, not under its number.
    const number = /^\[\d+\] /.exec(item)?.[0] ?? '';
    const wrapped = wrap(item, inner, Math.min(number.length, Math.floor(inner / 3)));
    if (wrapped.length > 1) rows.push(...wrapped.slice(0, -1));
    row = wrapped[wrapped.length - 1] ?? '';
  }
  if (row) rows.push(row);
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Display width and wrapping

/** [first, last] code points of the East Asian Wide and Fullwidth blocks (Unicode UAX #11, simplified). */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], // Hangul Jamo initials
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e], // CJK radicals, punctuation (、。「」)
  [0x3041, 0x33ff], // kana, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f], // CJK compatibility forms, small forms
  [0xff00, 0xff60], // fullwidth forms (（）！？)
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff], // kana supplement
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd], // CJK extensions B and beyond
];

function isWide(codePoint: number): boolean {
  let low = 0;
  let high = WIDE.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [first, last] = WIDE[middle] as readonly [number, number];
    if (codePoint < first) high = middle - 1;
    else if (codePoint > last) low = middle + 1;
    else return true;
  }
  return false;
}

/** Combining marks, format characters (zero-width joiners, variation selectors) and controls take no column. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]$/u;

/** How many terminal columns `text` takes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (ZERO_WIDTH.test(char)) continue;
    width += isWide(char.codePointAt(0) as number) ? 2 : 1;
  }
  return width;
}

const hasWide = (text: string) => [...text].some((char) => isWide(char.codePointAt(0) as number));

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (text: string) => Array.from(GRAPHEMES.segment(text), (s) => s.segment);
/** Japanese (and Chinese) have no spaces: a line may break between words, which ICU finds. */
const CJK_WORDS = new Intl.Segmenter('ja', { granularity: 'word' });
/** Punctuation a line must not start with (closing brackets, 、。) or end with (opening brackets). */
const NO_START =
  /^[、。，．,.)）」』】〕〉》｝!！?？:：;；・ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ…]/u;
const NO_END = /[(（「『【〔〈《｛]$/u;

/** One piece of a line: `gap` is the space before it (dropped where the line breaks). */
interface Piece {
  text: string;
  gap: 0 | 1;
}

function piecesOf(text: string): Piece[] {
  const pieces: Piece[] = [];
  for (const word of text.split(/[ \t\r\n]+/).filter(Boolean)) {
    if (!hasWide(word)) {
      pieces.push({ text: word, gap: 1 });
      continue;
    }
    // Between words a wide text may break: glue its punctuation to the word it belongs with.
    let first = true;
    let glueNext = false;
    for (const { segment } of CJK_WORDS.segment(word)) {
      const last = pieces[pieces.length - 1];
      if (last && !first && (glueNext || NO_START.test(segment))) last.text += segment;
      else pieces.push({ text: segment, gap: first ? 1 : 0 });
      glueNext = NO_END.test(segment);
      first = false;
    }
  }
  if (pieces[0]) pieces[0].gap = 0;
  return pieces;
}

/**
 * `text` wrapped in rows at most `width` columns wide: at spaces, between Japanese words, and inside a
 * word only when it is longer than a row. Rows after the first start `indent` columns in.
 */
export function wrap(text: string, width: number, indent = 0): string[] {
  const rows: string[] = [];
  const margin = ' '.repeat(Math.max(0, Math.min(indent, width - 2)));
  let row = '';
  let used = 0;
  let empty = true;
  const newRow = () => {
    rows.push(row.trimEnd());
    row = margin;
    used = margin.length;
    empty = true;
  };
  const put = (text: string, gap: number) => {
    row += ' '.repeat(gap) + text;
    used += gap + displayWidth(text);
    empty = false;
  };
  for (const piece of piecesOf(text)) {
    const pieceWidth = displayWidth(piece.text);
    const gap = empty ? 0 : piece.gap;
    if (used + gap + pieceWidth <= width) {
      put(piece.text, gap);
      continue;
    }
    if (!empty && margin.length + pieceWidth <= width) {
      newRow();
      put(piece.text, 0);
      continue;
    }
    // Longer than a row: fill this one and go on, a character at a time.
    let pending = empty ? 0 : gap;
    for (const char of graphemes(piece.text)) {
      const charWidth = displayWidth(char);
      if (!empty && used + pending + charWidth > width) {
        newRow();
        pending = 0;
      }
      put(char, pending);
      pending = 0;
    }
  }
  if (!empty || rows.length === 0) rows.push(row.trimEnd());
  return rows;
}

/** `text` padded with spaces to `width` columns (cut, a character at a time, if it is wider). */
function padTo(text: string, width: number): string {
  let shown = text;
  while (displayWidth(shown) > width) shown = graphemes(shown).slice(0, -1).join('');
  return shown + ' '.repeat(width - displayWidth(shown));
}

/** What `:tap <words>` pressed, or why nothing was, in one line that says what can be tapped. */
export type TapTarget = { pressed: Tappable } | { problem: string };

/** Comparable forms of a label: as typed, then with only its letters and digits. */
const plain = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’`´]/g, "'")
    .replace(/^["'“”«»「」]+|["'“”«»「」]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
const bare = (text: string) => plain(text).replace(/[^\p{L}\p{N}]/gu, '');

/**
 * The button or device `wanted` names on the screen: its number as shown ("2", "[2]"), its label or a
 * device's name (case and punctuation aside: "wont pair" is "Won't pair").
 */
export function tapTarget(data: ScreenData, wanted: string): TapTarget {
  const offered = tappables(data);
  const listing = offered.map((t) => `[${t.number}] ${t.label}`).join(', ');
  const choices = offered.length > 0 ? `you can tap ${listing}` : 'this screen has nothing to tap';
  const asked = wanted.trim();
  if (!asked) return { problem: `tap what? ${capitalized(choices)}.` };
  const number = /^\[?(\d+)\]?\.?$/.exec(asked)?.[1];
  const found =
    number !== undefined
      ? offered.find((t) => t.number === Number(number))
      : (offered.find((t) => plain(t.label) === plain(asked)) ??
        offered.find((t) => bare(t.label) !== '' && bare(t.label) === bare(asked)));
  if (found) return { pressed: found };
  const unavailable = data.devices.find(
    (d) => !d.available && (plain(d.name) === plain(asked) || bare(d.name) === bare(asked)),
  );
  if (unavailable) {
    const note = unavailable.note ? ` (${unavailable.note})` : '';
    return { problem: `${unavailable.name}${note} has no button to tap; ${choices}.` };
  }
  return { problem: `no button "${asked}" on the screen; ${choices}.` };
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
