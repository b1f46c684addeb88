/**
 * The linked APL documents (skill-package/response/display/<name>/document.json), checked offline: what
 * Amazon's validator (apl-suggester) says, what it cannot see (unknown component and command names, which
 * a device only reports by drawing nothing), and whether every binding matches the data source the skill
 * sends (ScreenData in lambda/src/handlers/screen-directive.ts).
 *
 * Sources: ../shared/reference/locales-and-screens.md §2, ../shared/reference/alexa-platform.md §7.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getSampleTemplates, StaticAplTemplateValidator } from 'apl-suggester';
import type { Screen } from '../../lambda/src/conversation/screen';
import { APL_DOCUMENTS, screenData, type ScreenData } from '../../lambda/src/handlers/screen-directive';
import { createTranslators } from '../../lambda/src/i18n/translators';

const DISPLAY_DIR = resolve(__dirname, '..', '..', 'skill-package', 'response', 'display');
const NAMES = [...new Set(Object.values(APL_DOCUMENTS))].sort();
const MAX_BYTES = 20 * 1024;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const pathOf = (name: string) => join(DISPLAY_DIR, name, 'document.json');
const textOf = (name: string) => readFileSync(pathOf(name), 'utf8');
const documentOf = (name: string) => JSON.parse(textOf(name)) as JsonObject;

// ---------------------------------------------------------------------------------------------------------
// Names a device knows

/** APL core components (APL 2024). */
const CORE_COMPONENTS = [
  'Container',
  'EditText',
  'Frame',
  'GridSequence',
  'Image',
  'Pager',
  'ScrollView',
  'Sequence',
  'Text',
  'TouchWrapper',
  'VectorGraphic',
  'Video',
];
/** The alexa-layouts 1.7.0 responsive components these documents use (proved real below). */
const ALEXA_LAYOUTS = ['AlexaButton', 'AlexaHeader', 'AlexaTextListItem'];
/** APL standard commands (APL 2024). */
const COMMANDS = [
  'AnimateItem',
  'AutoPage',
  'ClearFocus',
  'ControlMedia',
  'Finish',
  'Idle',
  'InsertItem',
  'Log',
  'OpenURL',
  'Parallel',
  'PlayMedia',
  'Reinflate',
  'RemoveItem',
  'Scroll',
  'ScrollToComponent',
  'ScrollToIndex',
  'Select',
  'SendEvent',
  'Sequential',
  'SetFocus',
  'SetPage',
  'SetState',
  'SetValue',
  'SpeakItem',
  'SpeakList',
];

/** Properties that hold components. */
const COMPONENT_KEYS = new Set(['items', 'item', 'firstItem', 'lastItem']);
/** Properties that hold commands: every event handler (onPress, onMount…), and the responsive components' actions. */
const isCommandKey = (key: string) =>
  /^on[A-Z]/.test(key) ||
  ['primaryAction', 'headerBackButtonCommand', 'commands', 'otherwise', 'catch', 'finally'].includes(key);
/** Properties whose entries carry a `type` that is neither a component nor a command. */
const TYPED_DECLARATIONS = new Set(['bind', 'parameters']);

interface Typed {
  kind: 'component' | 'command';
  type: string;
  path: string;
  node: JsonObject;
  /** The `when` conditions on the way to it (its own included). */
  whens: string[];
  /** The data array it is inflated for, if any (`${payload.screen.buttons}`). */
  dataSource: string | undefined;
}

/**
 * Every component and command in a document, wherever it sits: the main template, the document's own
 * layouts and commands, data-bound templates, and the actions passed to responsive components.
 */
function typedNodes(doc: JsonObject): { found: Typed[]; stray: string[] } {
  const found: Typed[] = [];
  const stray: string[] = [];
  const walk = (
    value: Json,
    path: string,
    kind: Typed['kind'] | undefined,
    whens: string[],
    dataSource: string | undefined,
  ) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}/${i}`, kind, whens, dataSource));
      return;
    }
    if (!isObject(value)) return;
    const own = typeof value.when === 'string' ? [...whens, value.when] : whens;
    const source = typeof value.data === 'string' ? value.data : dataSource;
    if (typeof value.type === 'string') {
      if (kind) found.push({ kind, type: value.type, path, node: value, whens: own, dataSource: source });
      else stray.push(`${path} (${value.type})`);
    }
    for (const [key, child] of Object.entries(value)) {
      if (TYPED_DECLARATIONS.has(key)) continue;
      const childKind = COMPONENT_KEYS.has(key) ? 'component' : isCommandKey(key) ? 'command' : undefined;
      walk(child, `${path}/${key}`, childKind, own, source);
    }
  };
  const { mainTemplate, layouts, commands } = doc;
  walk(mainTemplate ?? null, '/mainTemplate', undefined, [], undefined);
  // A layout or a named command holds components or commands like the main template does.
  for (const [name, layout] of Object.entries(isObject(layouts) ? layouts : {})) {
    walk(layout, `/layouts/${name}`, undefined, [], undefined);
  }
  for (const [name, command] of Object.entries(isObject(commands) ? commands : {})) {
    walk(command, `/commands/${name}`, undefined, [], undefined);
  }
  // Document-level handlers (onMount, onConfigChange…).
  const skipped = ['type', 'mainTemplate', 'layouts', 'commands'];
  for (const [key, value] of Object.entries(doc)) {
    if (!skipped.includes(key))
      walk(value, `/${key}`, isCommandKey(key) ? 'command' : undefined, [], undefined);
  }
  return { found, stray };
}

/** Names a device would not know, as "path: type"; empty when every name is real. */
function unknownNames(doc: JsonObject): string[] {
  const { found, stray } = typedNodes(doc);
  const ownLayouts = Object.keys(isObject(doc.layouts) ? doc.layouts : {});
  const ownCommands = Object.keys(isObject(doc.commands) ? doc.commands : {});
  const components = new Set([...CORE_COMPONENTS, ...ALEXA_LAYOUTS, ...ownLayouts]);
  const commands = new Set([...COMMANDS, ...ownCommands]);
  const unknown = found.filter((t) => !(t.kind === 'component' ? components : commands).has(t.type));
  return [...unknown.map((t) => `${t.path}: ${t.kind} ${t.type}`), ...stray.map((s) => `${s}: neither`)];
}

// ---------------------------------------------------------------------------------------------------------
// The data source

/** A real data source, every array filled, so each item's fields can be read off it. */
const SAMPLE: ScreenData = screenData(
  {
    kind: 'devices',
    token: 'devices',
    title: { key: 'screen.devicesTitle' },
    lines: [{ key: 'music.whichDevice' }],
    question: { key: 'music.whichDevice' },
    position: 2,
    welcomeBack: true,
    buttons: [{ id: 'yes', touch: ['answer', 'yes'] }],
    devices: [
      { name: 'Kitchen Echo', available: true },
      { name: 'Living Room TV', available: false },
    ],
  } satisfies Screen,
  createTranslators().get('en-US')!,
  {},
);
const FIELDS = Object.keys(SAMPLE);

/** `${payload.screen.X}` references whose X the data source does not have. */
function unknownFields(text: string): string[] {
  const used = [...text.matchAll(/payload\.screen\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1] as string);
  return [...new Set(used)].filter((field) => !FIELDS.includes(field));
}

/** `${data.X}` references, inside a template inflated for `${payload.screen.F}`, that F's items lack. */
function unknownItemFields(doc: JsonObject): string[] {
  const problems: string[] = [];
  const visit = (value: Json, path: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${path}/${i}`));
    if (!isObject(value)) return;
    const source = typeof value.data === 'string' ? /^\$\{payload\.screen\.(\w+)\}$/.exec(value.data) : null;
    if (source) {
      const items = SAMPLE[source[1] as keyof ScreenData];
      const first: unknown = Array.isArray(items) ? items[0] : undefined;
      if (first === undefined) problems.push(`${path}: ${value.data} is not a filled array`);
      const template = JSON.stringify([value.item, value.items, value.firstItem, value.lastItem]);
      for (const [, field] of template.matchAll(/\bdata\.([A-Za-z_$][\w$]*)/g)) {
        if (!isObject(first) || !(field! in first)) problems.push(`${path}: data.${field} in ${value.data}`);
      }
    }
    for (const [key, child] of Object.entries(value)) visit(child, `${path}/${key}`);
  };
  visit(doc, '');
  return problems;
}

async function validatorResults(doc: JsonObject) {
  // apl-suggester writes "No mixin for component" for ScrollView and mainTemplate: noise, not results.
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    return await new StaticAplTemplateValidator().validate(doc);
  } finally {
    warn.mockRestore();
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('the documents on disk are the ones the skill links', () => {
  test('skill-package/response/display/ holds exactly the documents APL_DOCUMENTS names', () => {
    const onDisk = readdirSync(DISPLAY_DIR)
      .filter((entry) => statSync(join(DISPLAY_DIR, entry)).isDirectory())
      .sort();
    expect(onDisk).toEqual(NAMES);
    for (const name of NAMES) expect(existsSync(pathOf(name))).toBe(true);
  });
});

describe.each(NAMES)('%s', (name) => {
  const doc = documentOf(name);

  test('is an APL 2024.2 document on alexa-layouts 1.7.0 with one parameter, payload', () => {
    expect(doc.type).toBe('APL');
    // 2024.2 is what apl-suggester knows; devices run 2024.3 and render older versions.
    expect(doc.version).toBe('2024.2');
    expect(doc.import).toEqual([{ name: 'alexa-layouts', version: '1.7.0' }]);
    expect((doc.mainTemplate as JsonObject).parameters).toEqual(['payload']);
  });

  test('apl-suggester finds nothing: no errors, no warnings', async () => {
    expect(await validatorResults(doc)).toEqual([]);
  });

  test('every component and command name is one a device knows', () => {
    expect(unknownNames(doc)).toEqual([]);
  });

  test('every payload.screen field it binds exists in ScreenData', () => {
    const text = textOf(name);
    expect(text).toMatch(/\$\{payload\.screen\.title\}/);
    expect(unknownFields(text)).toEqual([]);
    // Nothing else in the data source, and payload only through payload.screen.
    const strings = [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] as string);
    const elsewhere = strings.filter((s) => s.includes('${') && /\bpayload\b(?!\.screen\.)/.test(s));
    expect(elsewhere).toEqual([]);
  });

  test("every data-bound template reads only its item's fields", () => {
    expect(unknownItemFields(doc)).toEqual([]);
  });

  test("every SendEvent sends exactly its button's or device's arguments, and nothing else", () => {
    const sends = typedNodes(doc).found.filter((t) => t.type === 'SendEvent');
    expect(sends.length).toBeGreaterThan(0);
    for (const send of sends) {
      expect(send.node).toEqual({ type: 'SendEvent', arguments: '${data.arguments}' });
      // `data` is a button or a device, whose arguments are the touch the skill accepts.
      expect(['${payload.screen.buttons}', '${payload.screen.devices}']).toContain(send.dataSource);
    }
    expect(SAMPLE.buttons[0]?.arguments).toEqual(['answer', 'yes']);
    expect(SAMPLE.devices[0]?.arguments).toEqual(['device', 'Kitchen Echo']);
  });

  test('nothing is touchable on TV, which shows the hint instead', () => {
    const bind = (doc.mainTemplate as { item: { bind: Json } }).item.bind;
    expect(bind).toContainEqual({ name: 'isTv', value: "${viewport.mode == 'tv'}" });
    const touchables = typedNodes(doc).found.filter((t) => t.kind === 'component' && t.node.primaryAction);
    for (const t of touchables) expect(t.whens.some((w) => w.includes('!isTv'))).toBe(true);
    const hint = typedNodes(doc).found.find((t) => t.node.text === '${payload.screen.hint}');
    expect(hint?.whens.some((w) => /(^|[^!])isTv\b/.test(w))).toBe(true);
  });

  test('is lean: under 20 KB, no images, no URLs', () => {
    expect(statSync(pathOf(name)).size).toBeLessThan(MAX_BYTES);
    expect(textOf(name)).not.toMatch(/https?:\/\//);
    expect(typedNodes(doc).found.map((t) => t.type)).not.toContain('Image');
  });
});

describe('the checks can fail', () => {
  const step = () => documentOf('speakerHelperStep');
  const firstButton = (doc: JsonObject) =>
    typedNodes(doc).found.find((t) => t.type === 'AlexaButton')?.node as JsonObject;

  test('an unknown component name is rejected', () => {
    const doc = step();
    firstButton(doc).type = 'AlexaFancyButton';
    expect(unknownNames(doc)).toEqual([expect.stringContaining('component AlexaFancyButton')]);
  });

  test('an unknown command name is rejected', () => {
    const doc = step();
    firstButton(doc).primaryAction = { type: 'SendEvnt', arguments: '${data.arguments}' };
    expect(unknownNames(doc)).toEqual([expect.stringContaining('command SendEvnt')]);
  });

  test('a command where a component belongs is rejected', () => {
    const doc = step();
    (doc.mainTemplate as JsonObject).item = { type: 'SetValue' };
    expect(unknownNames(doc)).toEqual([expect.stringContaining('component SetValue')]);
  });

  test('a renamed data source field is rejected', () => {
    const text = textOf('speakerHelperStep').replace('payload.screen.question', 'payload.screen.prompt');
    expect(unknownFields(text)).toEqual(['prompt']);
    const doc = JSON.parse(
      textOf('speakerHelperStep').replace('${data.label}', '${data.text}'),
    ) as JsonObject;
    expect(unknownItemFields(doc)).toEqual([expect.stringContaining('data.text')]);
  });
});

describe('the alexa-layouts names allowed are real', () => {
  /**
   * Amazon's own sample documents shipped with apl-suggester import alexa-layouts 1.7.0 and use these
   * components without defining them: so the package defines them.
   */
  test.each(ALEXA_LAYOUTS)('%s is used by an Amazon sample on alexa-layouts 1.7.0', (name) => {
    const samples = [...getSampleTemplates().values()].map((t) => t.apl as JsonObject);
    const users = samples.filter(
      (apl) =>
        JSON.stringify(apl.import ?? []).includes('"name":"alexa-layouts","version":"1.7.0"') &&
        !(isObject(apl.layouts) && name in apl.layouts) &&
        typedNodes(apl).found.some((t) => t.kind === 'component' && t.type === name),
    );
    expect(users.length).toBeGreaterThan(0);
  });
});
