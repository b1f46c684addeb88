import enUS from '../../lambda/src/i18n/locales/en.json';
import { WRONG_CLAIMS, wrongClaimsIn } from '../support/wrong-claims';

/** Every sentence of a resource tree, with its key. */
function sentences(tree: unknown, prefix = ''): Array<[string, string]> {
  if (typeof tree === 'string') return [[prefix, tree]];
  if (typeof tree !== 'object' || tree === null) return [];
  return Object.entries(tree).flatMap(([key, value]) => sentences(value, prefix ? `${prefix}.${key}` : key));
}

describe('the words hold only to vetted facts', () => {
  it.each(sentences(enUS))('%s says nothing the facts mark wrong or unverifiable', (_key, text) => {
    expect(wrongClaimsIn(text)).toEqual([]);
  });
});

describe('the wrong-claims check', () => {
  // Sentences the skill said before the conversation rework, or that popular articles give, each of which
  // the facts reject: the check must catch every one, so it can fail.
  it.each([
    'Then say: Alexa, connect to my speaker.',
    'Open Bluetooth Devices and turn on Enable Speaker Output.',
    'Turn off auto-disconnect for your speaker.',
    'Keep it plugged in and online, overnight if you can.',
    'Unplug the Echo, wait about ten seconds, and plug it back in.',
    'Keep it about three to six feet from the Echo.',
    'Forgetting the speaker on both sides means a clean slate.',
    'A speaker with a full list of devices can refuse new pairings.',
    'Hold the Bluetooth or power button until the light blinks.',
    "I've saved what you tried, so you can tell them.",
    'Move it away from anything that can burn.',
    'Speakers drop the connection, to save power.',
    'Say: Alexa, pair, and pick the speaker.',
    'Your Echo Dot cannot send audio to a Bluetooth speaker.',
    'Alarms and timers will still play on the Echo.',
    "If your phone has the speaker, the Echo can't connect to it.",
    'Switch off low latency mode.',
  ])('catches "%s"', (text) => {
    expect(wrongClaimsIn(text).length).toBeGreaterThan(0);
  });

  it('says why, with the fact to rely on instead', () => {
    for (const claim of WRONG_CLAIMS) expect(claim.why.length).toBeGreaterThan(10);
    expect(wrongClaimsIn('Say: Alexa, connect to my speaker.')[0]).toMatch(/connect to Bluetooth/);
  });
});
