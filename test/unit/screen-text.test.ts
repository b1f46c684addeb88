/**
 * The text rendering of an Echo screen that `npm start -- --screen` prints (scripts/local/screen-text.ts):
 * built from real screens (the flow's steps through `screenOf` and `screenData`, as the skill sends them)
 * and, where the point is the layout itself, from plain ScreenData.
 */
import { FLOW } from '../../lambda/src/conversation/flow';
import type { ScreenFacts, ScreenState } from '../../lambda/src/conversation/screen';
import { screenOf } from '../../lambda/src/conversation/screen';
import { transition } from '../../lambda/src/conversation/transition';
import type { ConversationEvent, Progress, Reply, SessionScratch } from '../../lambda/src/conversation/types';
import type { ScreenData } from '../../lambda/src/handlers/screen-directive';
import { screenData } from '../../lambda/src/handlers/screen-directive';
import { createTranslators } from '../../lambda/src/i18n/translators';
import { displayWidth, screenText, tappables, tapTarget, wrap } from '../../scripts/local/screen-text';

const translators = createTranslators();

/** The screen the skill shows after `events`, one turn each from a new user, in `locale`. */
function screenAfter(events: ConversationEvent[], locale = 'en-US'): ScreenData {
  let progress: Progress | undefined;
  let session: SessionScratch = { misunderstood: 0 };
  let reply: Reply | undefined;
  events.forEach((event, i) => {
    const out = transition(FLOW, { progress, session, newSession: i === 0 }, event);
    ({ progress, session, reply } = out);
  });
  if (!reply) throw new Error('no turn was taken');
  const state: ScreenState = { progress, pending: undefined };
  const facts: ScreenFacts = { sessionOpen: reply.reprompt !== undefined, music: false, welcomeBack: false };
  return dataOf(screenOf(FLOW, state, reply, facts), locale);
}

function dataOf(screen: ReturnType<typeof screenOf>, locale: string): ScreenData {
  const translator = translators.get(locale);
  if (!translator) throw new Error(`no translator for ${locale}`);
  return screenData(screen, translator, {});
}

const OPENING: ConversationEvent[] = [{ type: 'launch' }];
/** Won't pair, never played here: the Alexa app's pairing, a step of six numbered actions. */
const PAIR_IN_APP: ConversationEvent[] = [
  { type: 'launch' },
  { type: 'symptom', symptom: 'wont_pair' },
  { type: 'answer', answer: 'no' },
];

/** The rows inside the box, without its borders and rules. */
function rowsOf(text: string): string[] {
  return text
    .split('\n')
    .filter((row) => row.startsWith('│'))
    .map((row) => row.slice(2, -2).trimEnd());
}

/** What the box says, its rows joined: wrapped text reads as it was given. */
const said = (text: string) =>
  rowsOf(text)
    .map((row) => row.trim())
    .join(' ');

function expectSquare(text: string, width: number): void {
  const rows = text.split('\n');
  expect(rows.length).toBeGreaterThan(2);
  for (const row of rows) expect({ row, width: displayWidth(row) }).toEqual({ row, width });
  expect(rows[0]).toMatch(/^[┌╭]/);
  expect(rows.at(-1)).toMatch(/^[└╰]/);
  for (const row of rows.slice(1, -1)) expect(row).toMatch(/^[│├].*[│┤]$/);
}

const literal = (over: Partial<ScreenData>): ScreenData => ({
  kind: 'step',
  title: 'A title',
  position: '',
  banner: '',
  lines: [],
  question: '',
  buttons: [],
  hint: '',
  devices: [],
  ...over,
});

describe('screenText', () => {
  it('numbers the buttons on an Echo Show, in order, and shows no hint', () => {
    const data = screenAfter(OPENING);
    expect(data.buttons.length).toBeGreaterThan(1);
    const text = screenText(data, 'hub');
    const box = said(text);
    data.buttons.forEach((button, i) => expect(box).toContain(`[${i + 1}] ${button.label}`));
    expect(box).toContain(data.title);
    expect(box).toContain(data.position);
    expect(box).toContain(data.question);
    expect(box).not.toContain(data.hint);
    expect(text.split('\n')[0]).toContain('Echo Show');
    expectSquare(text, 64);
  });

  it('lays out "[1] Yes  [2] No  [3] Not sure …" two spaces apart, each button whole on a row', () => {
    const data = screenAfter([{ type: 'launch' }, { type: 'symptom', symptom: 'wont_pair' }]);
    const rows = rowsOf(screenText(data, 'hub'));
    const labels = data.buttons.map((b, i) => `[${i + 1}] ${b.label}`);
    const first = rows.find((row) => row.startsWith('[1] '));
    expect(first?.startsWith(labels.slice(0, 3).join('  '))).toBe(true);
    // Narrow: still every button whole, on as many rows as it takes.
    const narrow = rowsOf(screenText(data, 'hub', 24));
    for (const label of labels) expect(narrow.some((row) => row.includes(label))).toBe(true);
  });

  it('shows the hint and no buttons on a Fire TV, which has no touch', () => {
    const data = screenAfter(OPENING);
    expect(data.hint).not.toBe('');
    const text = screenText(data, 'tv');
    expect(said(text)).toContain(data.hint);
    expect(text).not.toMatch(/\[\d+\]/);
    expect(text.split('\n')[0]).toContain('Fire TV');
    expectSquare(text, 64);
  });

  it('wraps the lines within the width, numbered actions under their text', () => {
    const data = screenAfter(PAIR_IN_APP);
    expect(data.lines.length).toBeGreaterThan(3);
    expect(data.lines.some((line) => displayWidth(line) > 60)).toBe(true);
    for (const width of [64, 40, 28]) {
      const text = screenText(data, 'hub', width);
      expectSquare(text, width);
      const rows = rowsOf(text);
      for (const row of rows) expect(displayWidth(row)).toBeLessThanOrEqual(width - 4);
      // Nothing lost or reordered: every line reads whole once the rows are joined again.
      for (const line of data.lines) expect(said(text)).toContain(line);
      // A numbered action's second row starts under its text ("1. Turn…" / "   speaker.").
      const at = rows.findIndex((row) => /^1\. /.test(row));
      if (rows[at + 1] && !/^\d+\. /.test(rows[at + 1] as string)) expect(rows[at + 1]).toMatch(/^ {3}\S/);
    }
  });

  it('keeps the box square with Japanese text, counting wide characters as two columns', () => {
    expect(displayWidth('ペアリング')).toBe(10);
    expect(displayWidth('Echo（今）')).toBe(4 + 6);
    expect(displayWidth('e\u0301')).toBe(1);
    const real = screenAfter(PAIR_IN_APP, 'ja-JP');
    expect(real.lines.join('')).toMatch(/[\u3040-\u30ff]/);
    const plain = literal({
      title: 'Alexaアプリでペアリング',
      position: 'ステップ3',
      banner: 'おかえりなさい。前回の続きです。',
      lines: [
        '1. スマホがスピーカーにつながらないよう、スマホのBluetoothをオフにします。',
        '2. Alexaアプリの「デバイス」で、このEcho（今話しているもの）を選び、Bluetooth設定を開きます。',
      ],
      question: 'うまくいきましたか？',
      buttons: [
        { label: 'はい', arguments: ['answer', 'yes'] },
        { label: 'いいえ', arguments: ['answer', 'no'] },
        { label: 'わからない', arguments: ['answer', 'unsure'] },
      ],
    });
    for (const data of [real, plain]) {
      for (const device of ['hub', 'round', 'tv'] as const) {
        for (const width of [64, 41, 30]) expectSquare(screenText(data, device, width), width);
      }
    }
    const rows = rowsOf(screenText(plain, 'hub', 30));
    // Japanese breaks without spaces, and no row starts with closing punctuation.
    expect(rows.join('').replace(/\s+/g, '')).toContain('スマホのBluetoothをオフにします。');
    for (const row of rows) expect(row.trim()).not.toMatch(/^[、。）」]/);
    expect(rows.some((row) => row.includes('[1] はい  [2] いいえ'))).toBe(true);
  });

  it('lists every device, numbering only the available ones, the others with their note', () => {
    const devices = [
      { name: 'Kitchen Echo', available: true },
      { name: 'Phone', available: false },
      { name: 'Office Speaker', available: true },
    ];
    const reply: Reply = {
      speech: [{ key: 'music.whichDevice' }],
      reprompt: [{ key: 'music.whichDevice' }],
    };
    const screen = screenOf(FLOW, { progress: undefined, pending: undefined }, reply, {
      sessionOpen: true,
      music: true,
      welcomeBack: false,
      devices,
    });
    const data = dataOf(screen, 'en-US');
    expect(data.kind).toBe('devices');
    const rows = rowsOf(screenText(data, 'hub'));
    expect(rows).toContain('[1] Kitchen Echo');
    expect(rows).toContain('[2] Office Speaker');
    const phone = rows.find((row) => row.includes('Phone'));
    expect(phone).toBe(`    Phone — ${data.devices[1]?.note}`);
    expect(data.devices[1]?.note).not.toBe('');
    expect(tappables(data).map((t) => t.label)).toEqual(['Kitchen Echo', 'Office Speaker']);
    // A TV lists them all the same, with no numbers.
    expect(screenText(data, 'tv')).not.toMatch(/\[\d+\]/);
    expect(said(screenText(data, 'tv'))).toContain('Phone');
  });

  it('draws the banner and a round screen with round corners', () => {
    const data = literal({ banner: 'Welcome back. This is where you left off.', position: 'Step 4' });
    const text = screenText(data, 'round', 48);
    expect(text.split('\n')[0]).toMatch(/^╭─ Echo Spot ─+╮$/);
    expect(rowsOf(text)[0]).toBe('Welcome back. This is where you left off.');
    expect(rowsOf(text)[1]).toMatch(/^A title +Step 4$/);
    expectSquare(text, 48);
  });
});

describe('wrap', () => {
  it('breaks inside a word only when it is longer than a row', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrap('', 10)).toEqual(['']);
  });
});

describe('tapTarget', () => {
  const data = screenAfter([{ type: 'launch' }, { type: 'symptom', symptom: 'wont_pair' }]);
  const labels = data.buttons.map((b) => b.label);

  it('finds a button by its number or its label, whatever the case', () => {
    expect(tapTarget(data, '2')).toEqual({ pressed: expect.objectContaining({ label: labels[1] }) });
    expect(tapTarget(data, ` ${labels[2]?.toUpperCase()} `)).toEqual({
      pressed: expect.objectContaining({ label: labels[2], arguments: data.buttons[2]?.arguments }),
    });
  });

  it('says what can be tapped when nothing matches', () => {
    const result = tapTarget(data, 'volume up');
    expect(result).toEqual({ problem: expect.stringContaining('no button "volume up"') });
    if ('problem' in result) for (const label of labels) expect(result.problem).toContain(label);
    expect(tapTarget(data, String(labels.length + 1))).toHaveProperty('problem');
  });
});
