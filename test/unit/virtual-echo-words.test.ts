/**
 * How the virtual Echo (scripts/local/virtual-echo.ts) takes words: exactly as the en-US model has them,
 * with "alexa" as a wake word only when the words do not match with it, and a pause allowed after the
 * skill's name in a one-shot. The skill is a recorder here, so the conversation's own changes do not matter;
 * the phrases come from the model as it is when the test runs.
 */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { samplePhrases } from '../../scripts/local/nearest-sample';
import type { SamplePhrase } from '../../scripts/local/nearest-sample';
import { MODEL_PATH, VirtualEcho } from '../../scripts/local/virtual-echo';

const phrases = samplePhrases(MODEL_PATH);
const exact = new Set(phrases.map((p) => p.text));
const spokenSlots = (p: SamplePhrase) =>
  Object.fromEntries(Object.entries(p.slots).map(([name, slot]) => [name, slot.spoken]));

function recordingEcho(): { echo: VirtualEcho; received: RequestEnvelope[] } {
  const received: RequestEnvelope[] = [];
  const echo = new VirtualEcho({
    skillId: 'amzn1.ask.skill.virtual-echo-words',
    userId: 'amzn1.ask.account.VIRTUAL-ECHO-WORDS',
    handler: async (event): Promise<ResponseEnvelope> => {
      received.push(event);
      // Keeps the session open after a launch or an intent, as a skill asking a question does.
      return { version: '1.0', response: { shouldEndSession: event.request.type === 'SessionEndedRequest' } };
    },
  });
  return { echo, received };
}

/**
 * Model phrases the Echo reads as themselves: two samples can give the same words with the slot split
 * otherwise ("it's a {name}" with "jbl speaker", "it's a {name} speaker" with "jbl"), and one reading wins.
 */
function understoodAsThemselves(echo: VirtualEcho, list: SamplePhrase[]): SamplePhrase[] {
  return list.filter((p) => {
    const understood = echo.understand(p.text);
    return (
      understood.kind === 'intent' &&
      understood.intent === p.intent &&
      JSON.stringify(understood.slots) === JSON.stringify(spokenSlots(p))
    );
  });
}

describe('the virtual Echo', () => {
  const { echo } = recordingEcho();
  const withAlexa = phrases.filter((p) => p.text.startsWith('alexa '));
  // Plain phrases of a few words, one per intent, that "alexa" in front does not turn into another sample.
  const plain = [
    ...new Map(
      understoodAsThemselves(
        echo,
        // Not starting with a word a one-shot may use as a connector ("tell … that …").
        phrases.filter((p) => p.text.split(' ').length >= 2 && !/^(alexa|to|that|about) /.test(p.text)),
      )
        .filter((p) => !exact.has(`alexa ${p.text}`))
        .map((p) => [p.intent, p]),
    ).values(),
  ];

  it('takes a sample that starts with "alexa" whole, in a session and in a one-shot', () => {
    expect(withAlexa.length).toBeGreaterThan(0);
    for (const phrase of understoodAsThemselves(echo, withAlexa)) {
      expect(echo.understand(phrase.text)).toEqual({
        kind: 'intent',
        oneShot: false,
        words: phrase.text,
        intent: phrase.intent,
        slots: expect.any(Object) as unknown,
      });
      expect(echo.understand(`ask speaker helper to ${phrase.text}`)).toMatchObject({
        kind: 'intent',
        oneShot: true,
        words: phrase.text,
        intent: phrase.intent,
      });
    }
    // The fix: the model's own "alexa …" samples are matched; none of them falls back.
    expect(withAlexa.filter((p) => echo.understand(p.text).kind !== 'intent')).toEqual([]);
  });

  it('sends such a sample as its intent, "alexa" and all in its slot value', async () => {
    const phrase = understoodAsThemselves(echo, withAlexa).find(
      (p) =>
        Object.values(p.slots).some((slot) => slot.spoken.startsWith('alexa ')) &&
        !exact.has(p.text.slice('alexa '.length)),
    );
    if (!phrase) return;
    const { echo: fresh, received } = recordingEcho();
    const turn = await fresh.say(phrase.text);
    expect(turn.heard).toBe(phrase.intent);
    const request = received.at(-1)?.request;
    const values =
      request?.type === 'IntentRequest'
        ? Object.fromEntries(
            Object.entries(request.intent.slots ?? {}).map(([name, slot]) => [name, slot.value]),
          )
        : undefined;
    expect(values).toEqual(spokenSlots(phrase));
  });

  it('drops a leading "alexa" when the words match only without it', () => {
    expect(plain.length).toBeGreaterThan(0);
    for (const phrase of plain) {
      for (const typed of [`alexa ${phrase.text}`, `Alexa, ${phrase.text.toUpperCase()}.`]) {
        expect({ typed, understood: echo.understand(typed) }).toEqual({
          typed,
          understood: {
            kind: 'intent',
            oneShot: false,
            words: phrase.text,
            intent: phrase.intent,
            slots: spokenSlots(phrase),
          },
        });
      }
    }
  });

  it('takes a one-shot with a pause after the skill’s name, and with a wake word', () => {
    for (const phrase of plain) {
      for (const typed of [
        `ask speaker helper, ${phrase.text}`,
        `Alexa, tell Speaker Helper ${phrase.text}.`,
        `alexa ask speaker helper to ${phrase.text}`,
      ]) {
        expect({ typed, understood: echo.understand(typed) }).toEqual({
          typed,
          understood: {
            kind: 'intent',
            oneShot: true,
            words: phrase.text,
            intent: phrase.intent,
            slots: spokenSlots(phrase),
          },
        });
      }
    }
  });

  it('keeps "that" as part of a one-shot’s words when it is not a connector', () => {
    const [phrase] = understoodAsThemselves(
      echo,
      phrases.filter((p) => p.text.startsWith('that ') && !exact.has(p.text.slice('that '.length))),
    );
    if (!phrase) return;
    expect(echo.understand(`tell speaker helper ${phrase.text}`)).toMatchObject({
      kind: 'intent',
      oneShot: true,
      words: phrase.text,
      intent: phrase.intent,
    });
  });

  it('opens the skill however the invocation is punctuated', () => {
    for (const typed of [
      'open speaker helper',
      'Alexa, open Speaker Helper.',
      'alexa launch speaker helper!',
    ]) {
      expect(echo.understand(typed)).toEqual({ kind: 'launch' });
    }
  });

  it('matches exactly: a near miss is unmatched, tried as typed and then without "alexa"', () => {
    const phrase = plain.find((p) => p.text.includes('speaker ')) ?? plain[0];
    if (!phrase) throw new Error('no plain phrase in the model');
    const nearMiss = phrase.text.replace('speaker ', 'speakers ').concat(' please thanks');
    expect(echo.understand(`alexa ${nearMiss}`)).toEqual({
      kind: 'unmatched',
      oneShot: false,
      tried: [`alexa ${nearMiss}`, nearMiss],
    });
    expect(echo.understand(`ask speaker helper to ${nearMiss}`)).toEqual({
      kind: 'unmatched',
      oneShot: true,
      tried: [nearMiss, `to ${nearMiss}`],
    });
  });

  it('takes plain words as a one-shot when asked to (npm start outside a session)', () => {
    const phrase = plain[0];
    if (!phrase) throw new Error('no plain phrase in the model');
    expect(echo.understand(phrase.text, { plainAsOneShot: true })).toMatchObject({
      kind: 'intent',
      oneShot: true,
      words: phrase.text,
    });
    expect(echo.understand(`alexa ${phrase.text}`, { plainAsOneShot: true })).toMatchObject({
      kind: 'intent',
      oneShot: true,
      words: phrase.text,
    });
    expect(echo.understand('open speaker helper', { plainAsOneShot: true })).toEqual({ kind: 'launch' });
  });

  it('ends an open session before a one-shot, which starts a new one', async () => {
    const phrase = plain[0];
    if (!phrase) throw new Error('no plain phrase in the model');
    const { echo: fresh, received } = recordingEcho();
    await fresh.say('open speaker helper');
    expect(fresh.inSession).toBe(true);
    await fresh.say(`ask speaker helper, ${phrase.text}`);
    expect(received.map((r) => r.request.type)).toEqual([
      'LaunchRequest',
      'SessionEndedRequest',
      'IntentRequest',
    ]);
    expect(received[2]?.session?.new).toBe(true);
    await fresh.say('blah blah blah');
    const last = received.at(-1)?.request;
    expect(last?.type === 'IntentRequest' && last.intent.name).toBe('AMAZON.FallbackIntent');
  });
});
