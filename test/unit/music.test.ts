import type { ResponseEnvelope } from 'ask-sdk-model';
import type { MusicOutcome, MusicReply } from '../../lambda/src/conversation/music';
import { musicReply, offerMusic, planMusic } from '../../lambda/src/conversation/music';
import { render } from '../../lambda/src/i18n/render';
import { createTranslators } from '../../lambda/src/i18n/translators';
import { assertCertifiable, plainSpeech } from '../support/certification';

const t = createTranslators().get('en-US')!;
const linked = { linked: true };

/** The reply as Alexa would receive it, so the certification rules can judge it. */
function envelope(music: MusicReply): ResponseEnvelope {
  const words = render(music.reply, t, {});
  const open = words.reprompt !== undefined;
  return {
    version: '1.0',
    response: {
      outputSpeech: { type: 'SSML', ssml: `<speak>${words.speech}</speak>` },
      ...(open
        ? { reprompt: { outputSpeech: { type: 'SSML', ssml: `<speak>${words.reprompt}</speak>` } } }
        : {}),
      ...(music.linkAccount ? { card: { type: 'LinkAccount' } } : {}),
      shouldEndSession: !open,
    },
  };
}

describe('what to do for a music request', () => {
  it('asks an unlinked user to link, with the account-linking card', () => {
    for (const event of [{ type: 'listDevices' }, { type: 'moveMusic', device: 'kitchen' }]) {
      const plan = planMusic({ linked: false }, event);
      expect(plan).toMatchObject({ kind: 'reply', reply: { linkAccount: true } });
    }
  });

  it('moves to the named device, to "this echo", or to the remembered device', () => {
    expect(planMusic(linked, { type: 'moveMusic', device: ' kitchen echo ' })).toEqual({
      kind: 'call',
      call: { op: 'move', target: { kind: 'named', name: 'kitchen echo' } },
    });
    expect(planMusic(linked, { type: 'moveMusic', thisEcho: true })).toEqual({
      kind: 'call',
      call: { op: 'move', target: { kind: 'thisEcho' } },
    });
    expect(planMusic({ ...linked, remembered: 'Office Speaker' }, { type: 'moveMusic' })).toEqual({
      kind: 'call',
      call: { op: 'move', target: { kind: 'named', name: 'Office Speaker' } },
    });
    expect(planMusic(linked, { type: 'moveMusic' })).toEqual({ kind: 'call', call: { op: 'list' } });
  });

  it('takes yes to the offer as "move it to this Echo", and no as leaving the music alone', () => {
    const offer = { ...linked, pending: { kind: 'offer' as const } };
    expect(planMusic(offer, { type: 'answer', answer: 'yes' })).toEqual({
      kind: 'call',
      call: { op: 'move', target: { kind: 'thisEcho' } },
    });
    const no = planMusic(offer, { type: 'answer', answer: 'no' });
    expect(no).toMatchObject({ kind: 'reply', reply: { reply: { speech: [{ key: 'music.declined' }] } } });
  });

  it('leaves everything else to the troubleshooting conversation', () => {
    expect(planMusic(linked, { type: 'answer', answer: 'yes' })).toEqual({ kind: 'pass' });
    expect(planMusic({ ...linked, pending: { kind: 'offer' } }, { type: 'startOver' })).toEqual({
      kind: 'pass',
    });
    expect(planMusic(linked, { type: 'help' })).toEqual({ kind: 'pass' });
  });
});

describe('what to say about the result', () => {
  const outcomes: MusicOutcome[] = [
    { kind: 'devices', names: ['Kitchen Echo', 'Office Speaker', "Sam's <b>&</b> TV"] },
    { kind: 'devices', names: [] },
    { kind: 'moved', device: 'Office Speaker' },
    { kind: 'unconfirmed', device: 'Kitchen Echo' },
    { kind: 'choose', candidates: ['Kitchen Echo', 'Kitchen Speaker'], thisEcho: false },
    { kind: 'choose', candidates: ['Kitchen Echo', 'Bedroom Echo'], thisEcho: true },
    { kind: 'noMatch', available: ['Office Speaker'] },
    { kind: 'noDevices' },
    ...(
      [
        'unauthorized',
        'premium_required',
        'restricted',
        'not_allowed',
        'device_not_found',
        'rate_limited',
        'quota_exceeded',
        'server_error',
        'timeout',
        'network',
        'bad_request',
        'unexpected',
      ] as const
    ).map((failure): MusicOutcome => ({ kind: 'failed', failure, device: 'Office Speaker' })),
  ];

  it.each(outcomes.map((o) => [JSON.stringify(o), o] as const))('%s is certifiable', (_, outcome) => {
    assertCertifiable(envelope(musicReply(outcome)));
  });

  it('names the device it moved to, and remembers it by name', () => {
    const reply = musicReply({ kind: 'moved', device: 'Office Speaker' });
    expect(plainSpeech(envelope(reply))).toContain('Office Speaker');
    expect(reply.remember).toBe('Office Speaker');
  });

  it('asks which one, keeping the candidates for the answer', () => {
    const reply = musicReply({
      kind: 'choose',
      candidates: ['Kitchen Echo', 'Kitchen Speaker'],
      thisEcho: false,
    });
    const speech = plainSpeech(envelope(reply));
    expect(speech).toContain('Kitchen Echo');
    expect(speech).toContain('Kitchen Speaker');
    expect(reply.pending).toEqual({
      kind: 'choose',
      candidates: ['Kitchen Echo', 'Kitchen Speaker'],
      thisEcho: false,
    });
  });

  it('turns a rejected token into the linking card', () => {
    expect(musicReply({ kind: 'failed', failure: 'unauthorized' }).linkAccount).toBe(true);
  });

  it('gives every failure an answer of its own or the honest general one, never silence', () => {
    const general = plainSpeech(envelope(musicReply({ kind: 'failed', failure: 'timeout' })));
    for (const failure of [
      'premium_required',
      'not_allowed',
      'rate_limited',
      'quota_exceeded',
      'restricted',
    ] as const) {
      const speech = plainSpeech(envelope(musicReply({ kind: 'failed', failure, device: 'Office Speaker' })));
      expect(speech).not.toBe(general);
    }
  });
});

describe('the offer after a fix', () => {
  it('asks a question and waits for the answer', () => {
    const { reply, pending } = offerMusic({ speech: [{ key: 'steps.resolved.say' }] });
    expect(pending).toEqual({ kind: 'offer' });
    assertCertifiable(envelope({ reply }));
  });
});
