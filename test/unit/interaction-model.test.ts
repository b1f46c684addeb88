import { readFileSync } from 'fs';
import { VirtualAlexa } from 'virtual-alexa';
import { SYMPTOMS } from '../../lambda/src/conversation/types';
import {
  CHOOSE_DEVICE_INTENT,
  DEVICE_SLOT,
  INTENT_EVENTS,
  LIST_DEVICES_INTENT,
  MOVE_MUSIC_INTENT,
  SPEAKER_NAME_INTENT,
  SPEAKER_STATE_INTENT,
  SPEAKER_NAME_SLOT,
  SYMPTOM_INTENT,
  SYMPTOM_SLOT,
} from '../../lambda/src/handlers/intents';
import { loadModel, MANIFEST_PATH, MODEL_PATH, type ModelIntent, type ModelSlotType } from '../support/model';

const languageModel = loadModel().interactionModel.languageModel;
const intents = languageModel.intents;
const types = languageModel.types ?? [];

const SLOT_REF = /\{([^{}]*)\}/g;
const samplesOf = (intent: ModelIntent): string[] => intent.samples ?? [];
const slotRefs = (sample: string): string[] => [...sample.matchAll(SLOT_REF)].map((m) => m[1] ?? '');
const intentNamed = (name: string): ModelIntent | undefined => intents.find((i) => i.name === name);
const typeNamed = (name: string): ModelSlotType | undefined => types.find((t) => t.name === name);
/** Every spoken form of a custom slot type: [phrase, value id]. */
const phrasesOf = (type: ModelSlotType): Array<[string, string]> =>
  (type.values ?? []).flatMap((v) =>
    [v.name.value, ...(v.name.synonyms ?? [])].map((p): [string, string] => [p, v.id ?? '']),
  );
const normalise = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** Intents the lambda handles (lambda/src/handlers/intents.ts). */
const HANDLED_INTENTS = [
  ...Object.keys(INTENT_EVENTS),
  SYMPTOM_INTENT,
  SPEAKER_NAME_INTENT,
  SPEAKER_STATE_INTENT,
  LIST_DEVICES_INTENT,
  MOVE_MUSIC_INTENT,
  CHOOSE_DEVICE_INTENT,
];

describe('interaction model: what the Alexa build would reject', () => {
  test('invocation name is "speaker helper"', () => {
    expect(languageModel.invocationName).toBe('speaker helper');
  });

  test('intent names are unique and well formed', () => {
    const names = intents.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^(AMAZON\.[A-Za-z]+|[A-Za-z][A-Za-z_]*)$/);
    }
  });

  test('required built-in intents are present', () => {
    for (const name of [
      'AMAZON.CancelIntent',
      'AMAZON.HelpIntent',
      'AMAZON.StopIntent',
      'AMAZON.NavigateHomeIntent',
      'AMAZON.FallbackIntent',
    ]) {
      expect(intentNamed(name)).toBeDefined();
    }
  });

  test('every custom intent has samples', () => {
    const empty = intents.filter((i) => !i.name.startsWith('AMAZON.') && samplesOf(i).length === 0);
    expect(empty.map((i) => i.name)).toEqual([]);
  });

  test('samples use only lower-case letters, spaces, apostrophes, periods, hyphens, underscores and {slots}', () => {
    const bad: string[] = [];
    for (const intent of intents) {
      for (const sample of samplesOf(intent)) {
        const text = sample.replace(SLOT_REF, 'slot');
        const ok =
          sample.length > 0 &&
          sample === sample.trim() &&
          !sample.includes('  ') &&
          /^[a-z .'_-]+$/.test(text) &&
          // apostrophes only inside or at the end of a word (possessives, contractions)
          !/(^|[^a-z])'/.test(text) &&
          // periods only after a letter (abbreviations)
          !/(^|[^a-z])\./.test(text) &&
          // slots separated from the words around them by spaces
          !/[^ ]\{|\}[^ ]/.test(sample);
        if (!ok) bad.push(`${intent.name}: "${sample}"`);
      }
    }
    expect(bad).toEqual([]);
  });

  test('slot references are declared on their intent, and every declared slot is used', () => {
    const problems: string[] = [];
    for (const intent of intents) {
      const declared = (intent.slots ?? []).map((s) => s.name);
      if (new Set(declared).size !== declared.length) problems.push(`${intent.name}: duplicate slot names`);
      const used = new Set<string>();
      for (const sample of samplesOf(intent)) {
        const refs = slotRefs(sample);
        if (new Set(refs).size !== refs.length) problems.push(`${intent.name}: "${sample}" repeats a slot`);
        for (const ref of refs) {
          used.add(ref);
          if (!declared.includes(ref)) problems.push(`${intent.name}: "${sample}" uses undeclared {${ref}}`);
        }
      }
      for (const name of declared) {
        if (!used.has(name)) problems.push(`${intent.name}: slot ${name} is in no sample`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('slot types exist, and every custom slot type is used', () => {
    const slotTypes = intents.flatMap((i) => (i.slots ?? []).map((s) => s.type));
    for (const type of slotTypes) {
      if (!type.startsWith('AMAZON.')) expect(typeNamed(type)).toBeDefined();
    }
    for (const type of types) {
      expect(slotTypes).toContain(type.name);
    }
  });

  test('no sample is repeated, within an intent or across intents', () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const intent of intents) {
      for (const sample of samplesOf(intent)) {
        const key = normalise(sample);
        const first = seen.get(key);
        if (first) duplicates.push(`"${sample}" in ${first} and ${intent.name}`);
        else seen.set(key, intent.name);
      }
    }
    expect(duplicates).toEqual([]);
  });

  test('slot values are unique, short and have ids', () => {
    const problems: string[] = [];
    for (const type of types) {
      const ids = new Set<string>();
      const phrases = new Set<string>();
      for (const value of type.values ?? []) {
        if (!value.id || ids.has(value.id)) problems.push(`${type.name}: missing or repeated id ${value.id}`);
        ids.add(value.id ?? '');
        for (const phrase of [value.name.value, ...(value.name.synonyms ?? [])]) {
          const key = normalise(phrase);
          if (key.length === 0 || phrase.length > 140) problems.push(`${type.name}: bad length "${phrase}"`);
          if (phrases.has(key)) problems.push(`${type.name}: "${phrase}" appears twice`);
          phrases.add(key);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('a bare "{slot}" sample cannot swallow another intent\'s sample', () => {
    const otherSamples = new Map<string, string>();
    for (const intent of intents) {
      for (const sample of samplesOf(intent)) otherSamples.set(normalise(sample), intent.name);
    }
    const clashes: string[] = [];
    for (const intent of intents) {
      for (const sample of samplesOf(intent)) {
        const bare = /^\{([^{}]+)\}$/.exec(sample);
        const slot = bare && intent.slots?.find((s) => s.name === bare[1]);
        const type = slot && typeNamed(slot.type);
        for (const [phrase] of type ? phrasesOf(type) : []) {
          const owner = otherSamples.get(normalise(phrase));
          if (owner && owner !== intent.name) {
            clashes.push(`"${phrase}" (${intent.name}) is a ${owner} sample`);
          }
        }
      }
    }
    expect(clashes).toEqual([]);
  });
});

describe('interaction model: agreement with the lambda', () => {
  test('every intent the lambda handles is in the model, and every model intent is handled', () => {
    expect(intents.map((i) => i.name).sort()).toEqual([...HANDLED_INTENTS].sort());
  });

  test('SymptomIntent carries the symptom slot, whose SymptomType ids are SYMPTOMS', () => {
    const slot = intentNamed(SYMPTOM_INTENT)?.slots?.find((s) => s.name === SYMPTOM_SLOT);
    expect(slot?.type).toBe('SymptomType');
    const ids = (typeNamed('SymptomType')?.values ?? []).map((v) => v.id);
    expect([...ids].sort()).toEqual([...SYMPTOMS].sort());
  });

  test('SpeakerNameIntent carries the speakerName slot, whose SpeakerNameType ids are snake_case', () => {
    const slot = intentNamed(SPEAKER_NAME_INTENT)?.slots?.find((s) => s.name === SPEAKER_NAME_SLOT);
    expect(slot?.type).toBe('SpeakerNameType');
    const values = typeNamed('SpeakerNameType')?.values ?? [];
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(value.id).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});

describe('skill manifest', () => {
  const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as {
    manifest: { publishingInformation: { locales: Record<string, { examplePhrases: string[] }> } };
  };
  const examples = manifest.manifest.publishingInformation.locales['en-US']?.examplePhrases ?? [];

  test('example phrases open the skill, then use sample utterances literally', () => {
    expect(examples[0]).toBe('Alexa, open speaker helper');
    const allSamples = intents.flatMap(samplesOf);
    for (const example of examples.slice(1)) {
      const utterance = /^Alexa, ask speaker helper to (.+)$/.exec(example)?.[1];
      expect(allSamples).toContain(utterance);
    }
  });
});

/*
 * Resolution through the model with virtual-alexa 0.7.8. What its source (lib/src + virtual-core) does:
 * - utter() strips ! " ? # $ % / ( ) = + - _ < > * { } [ ] . , ; : from the phrase (not apostrophes), then
 *   tries every sample as a case-insensitive anchored regex with each {slot} replaced by (.*) (sample text is
 *   not escaped). A slot capture only counts when it equals, trimmed and case-insensitively, a value or a
 *   synonym of the slot's custom type: custom slots are closed and exact, no fuzzy or partial matching (real
 *   Alexa also fills unlisted values, with ER_SUCCESS_NO_MATCH).
 * - The best match has the most literal characters (match minus slot text); ties go to more typed slots,
 *   then to the intent listed first in the model.
 * - Entity resolution for a custom type: slot.value is what was said (e.g. the synonym); resolutions has one
 *   resolutionsPerAuthority entry (authority amzn1.er-authority.echo-sdk.<applicationId>.<TypeName>), status
 *   ER_SUCCESS_MATCH with one values[].value {id, name: canonical value} per value whose value or synonym
 *   equals what was said, or ER_SUCCESS_NO_MATCH.
 * - Built-in intents: for each AMAZON.* intent the model declares, virtual-alexa adds a few default phrases of
 *   its own (Next: next, skip, skip forward; NavigateHome: home, go home; Cancel: cancel, never mind; Help:
 *   help, help me; Stop: stop, off, shut up; Yes: yes, yes please, sure; No: no, no thanks; Previous: go back,
 *   previous, skip back, back up; Repeat: repeat, say that again, repeat that; StartOver: start over, restart,
 *   start again). So "skip" ties between SkipIntent and AMAZON.NextIntent and goes to SkipIntent only because
 *   it is listed first (both mean "skip" to the lambda). AMAZON.FallbackIntent is never chosen: a phrase
 *   that matches nothing makes utter() throw "Unable to match utterance".
 * - One-shot: utter() treats any phrase containing ask|open|launch|talk to|tell ANYWHERE (unanchored, even
 *   inside a word like "task") as an invocation. "ask|open|launch|talk to|tell <anything> to <rest>" sends
 *   <rest> as the utterance, otherwise a LaunchRequest. The invocation name is not checked and the split
 *   is at the LAST " to " ("ask speaker helper to connect to my speaker" would send "my speaker"). Samples
 *   containing those letters cannot be heard through utter(), so the exhaustive checks below skip them.
 * - "exit" sends a SessionEndedRequest.
 */

interface RawSlot {
  value?: string;
  resolutions?: {
    resolutionsPerAuthority?: Array<{ status: { code: string }; values: Array<{ value: { id: string } }> }>;
  };
}
interface RawRequest {
  type: string;
  intent?: { name: string; slots?: Record<string, RawSlot> };
}
interface Heard {
  type: string;
  intent?: string;
  slots: Record<string, { value?: string; status?: string; id?: string }>;
}

/** A skill that says back which request it got: type, intent name and each slot's value and resolution. */
async function echoSkill(event: { request: RawRequest }) {
  const { type, intent } = event.request;
  const heard: Heard = { type, intent: intent?.name, slots: {} };
  for (const [name, slot] of Object.entries(intent?.slots ?? {})) {
    const authority = slot.resolutions?.resolutionsPerAuthority?.[0];
    heard.slots[name] = {
      value: slot.value,
      status: authority?.status.code,
      id: authority?.values[0]?.value.id,
    };
  }
  return {
    version: '1.0',
    response: { outputSpeech: { type: 'PlainText', text: JSON.stringify(heard) }, shouldEndSession: false },
  };
}

const LAUNCH_LIKE = /ask|open|launch|talk to|tell/i;

describe('interaction model: phrases resolve through virtual-alexa', () => {
  let alexa: VirtualAlexa;
  beforeAll(() => {
    alexa = VirtualAlexa.Builder().handler(echoSkill).interactionModelFile(MODEL_PATH).create();
  });
  const hear = async (phrase: string): Promise<Heard> =>
    JSON.parse((await alexa.utter(phrase)).prompt() ?? '{}') as Heard;

  const cases: Array<[string, string[]]> = [
    [
      'StartTroubleshootingIntent',
      [
        'help me pair my speaker',
        "my speaker won't connect",
        "my bluetooth speaker won't connect",
        'connect my bluetooth speaker',
        'help me with my speaker',
        "my echo won't connect to my speaker",
        'help me connect my speaker',
        'fix my bluetooth speaker',
      ],
    ],
    ['AMAZON.YesIntent', ['yes', 'yeah', 'yep', 'yes i did']],
    ['AMAZON.NoIntent', ['no', 'nope', "no it hasn't"]],
    ['WaitIntent', ['hold on', 'wait a minute', 'not yet']],
    ['DoneIntent', ['done', "i'm done", 'i did it', 'finished', 'ok done', 'i did that']],
    ['ItWorkedIntent', ['it worked', 'that fixed it', 'it works now', "it's working", 'that worked']],
    [
      'DidNotWorkIntent',
      ["that didn't work", "it still doesn't work", "it didn't work", 'still not working', 'no luck'],
    ],
    ['NotSureIntent', ["i'm not sure", "i don't know", 'not sure', 'no idea', 'maybe']],
    ['AMAZON.NextIntent', ['next', 'next step', "what's next"]],
    ['SkipIntent', ['skip', 'skip this step', 'skip that']],
    ['AMAZON.PreviousIntent', ['go back', 'back', 'previous step']],
    ['AMAZON.RepeatIntent', ['repeat', 'say that again', 'repeat that']],
    ['AMAZON.StartOverIntent', ['start over', 'start again', 'begin again']],
    ['WhyIntent', ['why', 'why do i need to do that', 'why is that']],
    ['WhereAmIIntent', ['where am i', 'what step am i on', 'where are we']],
    ['AMAZON.HelpIntent', ['help', 'what can i say']],
    ['AMAZON.StopIntent', ['stop', 'quit']],
    ['AMAZON.CancelIntent', ['cancel', 'never mind']],
    // NavigateHomeIntent has no samples of ours; "go home" is one of virtual-alexa's built-in defaults.
    ['AMAZON.NavigateHomeIntent', ['go home']],
    [
      'SafetyIntent',
      [
        'the speaker is getting hot',
        'the battery is swollen',
        'the speaker is overheating',
        'it smells like burning',
        "there's smoke",
        'the battery is bulging',
        "it's sparking",
        'my speaker is too hot',
      ],
    ],
  ];
  cases.push([
    LIST_DEVICES_INTENT,
    ['list my devices', 'what devices can i use', 'which devices can i use', 'what devices do i have'],
  ]);
  const phraseCases = cases.flatMap(([intent, phrases]) => phrases.map((p): [string, string] => [p, intent]));

  test.each(phraseCases)('"%s" -> %s', async (phrase, intent) => {
    expect((await hear(phrase)).intent).toBe(intent);
  });

  const symptomCases: Array<[string, string]> = [
    ["alexa can't find my speaker", 'cant_find'],
    ['it says connected but the sound comes from the echo', 'no_sound'],
    ['it keeps disconnecting', 'keeps_disconnecting'],
    ["it won't pair", 'wont_pair'],
    ["alexa can't see my speaker", 'cant_find'],
    ["my echo can't find my speaker", 'cant_find'],
    ["the speaker doesn't show up", 'cant_find'],
    ["my speaker won't pair", 'wont_pair'],
    ['pairing fails', 'wont_pair'],
    ["it's connected but there's no sound", 'no_sound'],
    ['the sound comes from the echo', 'no_sound'],
    ['connected but no sound from the speaker', 'no_sound'],
    ['my speaker keeps disconnecting', 'keeps_disconnecting'],
    ['it keeps dropping', 'keeps_disconnecting'],
    ['the connection drops', 'keeps_disconnecting'],
    ['the problem is it keeps disconnecting', 'keeps_disconnecting'],
    ["my problem is alexa can't find my speaker", 'cant_find'],
    ["it's that the sound comes from the echo", 'no_sound'],
    ["well it won't pair", 'wont_pair'],
  ];

  test.each(symptomCases)('"%s" -> SymptomIntent, symptom %s', async (phrase, id) => {
    const heard = await hear(phrase);
    expect(heard.intent).toBe(SYMPTOM_INTENT);
    expect(heard.slots[SYMPTOM_SLOT]).toMatchObject({ status: 'ER_SUCCESS_MATCH', id });
  });

  const speakerCases: Array<[string, string]> = [
    ['my speaker is a jbl flip', 'jbl_flip'],
    ['my speaker is called bose soundlink', 'bose_soundlink'],
    ["it's a ue boom", 'ultimate_ears_boom'],
    ['the speaker is a wonderboom', 'ultimate_ears_wonderboom'],
    ['i have an anker soundcore', 'anker_soundcore'],
  ];

  // Spotify hand-off: the device is matched by name later, so the raw words matter as much as the id.
  const deviceCases: Array<[string, string]> = [
    ['move the music to kitchen echo', 'kitchen_echo'],
    ['move the music to the office speaker', 'office_speaker'],
    ['play on living room tv', 'living_room_tv'],
    ['move spotify to bedroom echo', 'bedroom_echo'],
    ['play spotify on the kitchen speaker', 'kitchen_speaker'],
    ['move the music to this echo', 'this_echo'],
  ];

  test.each(deviceCases)('"%s" -> MoveMusicIntent, device %s', async (phrase, id) => {
    const heard = await hear(phrase);
    expect(heard.intent).toBe(MOVE_MUSIC_INTENT);
    expect(heard.slots[DEVICE_SLOT]).toMatchObject({ status: 'ER_SUCCESS_MATCH', id });
  });

  // A device name alone is a separate intent: it means something only as the answer to "which one?".
  test.each([
    ['kitchen echo', 'kitchen_echo'],
    ['the office speaker', 'office_speaker'],
    ['this one', 'this_echo'],
  ])('"%s" -> ChooseDeviceIntent, device %s', async (phrase, id) => {
    const heard = await hear(phrase);
    expect(heard.intent).toBe(CHOOSE_DEVICE_INTENT);
    expect(heard.slots[DEVICE_SLOT]).toMatchObject({ status: 'ER_SUCCESS_MATCH', id });
  });

  test('"move the music" alone is a move request without a device', async () => {
    const heard = await hear('move the music');
    expect(heard.intent).toBe(MOVE_MUSIC_INTENT);
    expect(heard.slots[DEVICE_SLOT]?.value).toBeUndefined();
  });

  test.each(speakerCases)('"%s" -> SpeakerNameIntent, speakerName %s', async (phrase, id) => {
    const heard = await hear(phrase);
    expect(heard.intent).toBe(SPEAKER_NAME_INTENT);
    expect(heard.slots[SPEAKER_NAME_SLOT]).toMatchObject({ status: 'ER_SUCCESS_MATCH', id });
  });

  test('one-shot "ask speaker helper to help me pair my speaker" starts troubleshooting', async () => {
    expect(await hear('ask speaker helper to help me pair my speaker')).toMatchObject({
      type: 'IntentRequest',
      intent: 'StartTroubleshootingIntent',
    });
  });

  test('"open speaker helper" is a launch request', async () => {
    expect((await hear('open speaker helper')).type).toBe('LaunchRequest');
  });

  test('virtual-alexa cannot route to AMAZON.FallbackIntent: unknown phrases throw', () => {
    expect(() => alexa.utter('purple monkey dishwasher')).toThrow(/Unable to match utterance/);
  });

  test('every sample without a slot resolves to its own intent', async () => {
    const wrong: string[] = [];
    for (const intent of intents) {
      for (const sample of samplesOf(intent)) {
        if (slotRefs(sample).length > 0 || LAUNCH_LIKE.test(sample)) continue;
        const heard = await hear(sample);
        if (heard.intent !== intent.name) wrong.push(`"${sample}": ${intent.name} heard as ${heard.intent}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('every slot sample with every value and synonym resolves to its intent and value id', async () => {
    const wrong: string[] = [];
    for (const intent of intents) {
      for (const sample of samplesOf(intent)) {
        const [ref, ...more] = slotRefs(sample);
        const type = typeNamed(intent.slots?.find((s) => s.name === ref)?.type ?? '');
        if (!ref || more.length > 0 || !type) continue;
        for (const [phrase, id] of phrasesOf(type)) {
          const utterance = sample.replace(`{${ref}}`, phrase);
          if (LAUNCH_LIKE.test(utterance)) continue;
          const heard = await hear(utterance);
          if (heard.intent !== intent.name || heard.slots[ref]?.id !== id) {
            wrong.push(`"${utterance}": heard ${heard.intent} ${ref}=${heard.slots[ref]?.id}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
