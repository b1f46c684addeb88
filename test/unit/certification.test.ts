import type { Response, ResponseEnvelope, ui } from 'ask-sdk-model';
import {
  assertCertifiable,
  certificationProblems,
  certificationViolations,
  plainReprompt,
  plainSpeech,
  ssmlToPlain,
  type CertificationRule,
} from '../support/certification';

function envelope(response: Response, sessionAttributes?: Record<string, unknown>): ResponseEnvelope {
  return { version: '1.0', response, ...(sessionAttributes ? { sessionAttributes } : {}) };
}

const ssml = (inner: string) => ({ type: 'SSML' as const, ssml: `<speak>${inner}</speak>` });

/** A question turn as ask-sdk-core builds it with speak().reprompt(). */
function asking(speech: string, reprompt = 'Is it on?'): ResponseEnvelope {
  return envelope({
    outputSpeech: ssml(speech),
    reprompt: { outputSpeech: ssml(reprompt) },
    shouldEndSession: false,
  });
}

/** A closing turn as ask-sdk-core builds it with speak().withShouldEndSession(true). */
function closing(speech: string): ResponseEnvelope {
  return envelope({ outputSpeech: ssml(speech), shouldEndSession: true });
}

function withCard(response: ResponseEnvelope, card: ui.Card): ResponseEnvelope {
  return { ...response, response: { ...response.response, card } };
}

function rulesBroken(response: ResponseEnvelope): CertificationRule[] {
  return [...new Set(certificationViolations(response).map((v) => v.rule))];
}

describe('certification checker', () => {
  describe('good responses pass', () => {
    it.each<[string, ResponseEnvelope]>([
      ['a question with reprompt', asking('Is your speaker switched on?', 'Is the speaker on?')],
      ['a goodbye that ends the session', closing('Okay. Goodbye.')],
      [
        'a question followed by SSML tags',
        asking(
          'Let\'s start. <break time="300ms"/> <emphasis level="moderate">Is it on?</emphasis> <break time="1s"/>',
        ),
      ],
      ['a question inside <p> and <s>', asking('<p>Step two.</p><p><s>Is the light blinking?</s></p>')],
      ['an escaped ampersand', closing('Pair &amp; play. Done.')],
      [
        'e.g., decimals and "Alexa." at a sentence end',
        closing('Say a name, e.g. kitchen. It takes 2.5 seconds. Ask Alexa.'),
      ],
      [
        'a web address on a card',
        withCard(closing('See the card.'), {
          type: 'Standard',
          title: 'Help',
          text: 'Visit amazon.com or https://www.amazon.com/alexa.help',
        }),
      ],
      [
        'a LinkAccount card with no fields',
        envelope({
          outputSpeech: ssml('Please link your account.'),
          card: { type: 'LinkAccount' },
          shouldEndSession: true,
        }),
      ],
      ['an empty response to SessionEndedRequest', envelope({})],
      [
        'plain-text speech',
        envelope({ outputSpeech: { type: 'PlainText', text: 'All done.' }, shouldEndSession: true }),
      ],
      [
        'a response with only an audio clip',
        closing(
          '<audio src="soundbank://soundlibrary/ui/gameshow/amzn_ui_sfx_gameshow_positive_response_01"/>',
        ),
      ],
    ])('%s', (_name, response) => {
      expect(certificationProblems(response)).toEqual([]);
      expect(() => assertCertifiable(response)).not.toThrow();
    });

    it('accepts a response built by ask-sdk-core conventions with a Simple card', () => {
      const response = asking('Which speaker are you using?', 'Which speaker?');
      response.response.card = {
        type: 'Simple',
        title: 'Speaker Helper',
        content: 'Tell me the speaker name.',
      };
      expect(certificationProblems(response)).toEqual([]);
    });
  });

  describe('each bad response fails for the right reason', () => {
    it('open session without a reprompt', () => {
      const response = envelope({ outputSpeech: ssml('Is it on?'), shouldEndSession: false });
      expect(rulesBroken(response)).toEqual(['session']);
      expect(() => assertCertifiable(response)).toThrow(
        /\[session\] the session is kept open \(shouldEndSession: false\) but there is no reprompt/,
      );
    });

    it('closed session with a reprompt', () => {
      const response = envelope({
        outputSpeech: ssml('Goodbye.'),
        reprompt: { outputSpeech: ssml('Anything else?') },
        shouldEndSession: true,
      });
      expect(rulesBroken(response)).toEqual(['session']);
      expect(certificationProblems(response)[0]).toMatch(
        /reprompt but the session is not kept open \(shouldEndSession: true\)/,
      );
    });

    it('reprompt with shouldEndSession left undefined', () => {
      const response = envelope({ outputSpeech: ssml('Hello.'), reprompt: { outputSpeech: ssml('Ready?') } });
      expect(rulesBroken(response)).toEqual(['session']);
    });

    it('open session whose speech does not end with a question', () => {
      const response = asking('Is it on? Turn it on now.');
      expect(rulesBroken(response)).toEqual(['question']);
      expect(() => assertCertifiable(response)).toThrow(
        /does not end with a question: "…Is it on\? Turn it on now\."/,
      );
    });

    it('open session with no speech at all', () => {
      const response = envelope({ reprompt: { outputSpeech: ssml('Ready?') }, shouldEndSession: false });
      expect(rulesBroken(response)).toEqual(['question']);
    });

    it('invalid SSML: unknown tag', () => {
      const response = closing('Hello <whisper>there</whisper>.');
      expect(rulesBroken(response)).toEqual(['ssml']);
      expect(certificationProblems(response)).toEqual([
        '[ssml] speech is not valid Alexa SSML: <whisper> is not a valid Alexa SSML tag here',
      ]);
    });

    it('invalid SSML: bad attribute value', () => {
      const response = closing('Wait <break time="forever"/> done.');
      expect(certificationProblems(response)).toEqual([
        '[ssml] speech is not valid Alexa SSML: <break> has an invalid time="forever"',
      ]);
    });

    it('invalid SSML: unclosed tag', () => {
      const response = closing('<p>Hello.');
      expect(rulesBroken(response)).toEqual(['ssml']);
      expect(certificationProblems(response).join('\n')).toMatch(/Can't parse SSML/);
    });

    it('invalid SSML: two <speak> roots', () => {
      const response = envelope({
        outputSpeech: { type: 'SSML', ssml: '<speak>One.</speak> <speak>Two.</speak>' },
        shouldEndSession: true,
      });
      expect(rulesBroken(response)).toEqual(['ssml']);
      expect(certificationProblems(response)[0]).toBe(
        '[ssml] speech is not wrapped in a single <speak> root element',
      );
    });

    it('invalid SSML in the reprompt is reported against the reprompt', () => {
      const response = asking('Is it on?', 'Is it <foo>on</foo>?');
      expect(certificationProblems(response)).toEqual([
        '[ssml] reprompt is not valid Alexa SSML: <foo> is not a valid Alexa SSML tag here',
      ]);
    });

    it('unescaped &', () => {
      const response = closing('Pair & play.');
      expect(certificationProblems(response)).toEqual([
        '[ssml] speech contains an unescaped "&" (write &amp; or "and")',
      ]);
    });

    it('speech over 8000 characters', () => {
      const response = closing(`${'Press the button. '.repeat(500)}Done.`);
      expect(rulesBroken(response)).toEqual(['size']);
      expect(certificationProblems(response)[0]).toMatch(
        /^\[size\] speech is 90\d\d characters, over the 8000 character limit$/,
      );
    });

    it('card title and text over 8000 characters', () => {
      const response = closing('See the card.');
      response.response.card = { type: 'Standard', title: 'Steps', text: 'a'.repeat(8000) };
      expect(rulesBroken(response)).toEqual(['size']);
    });

    it('whole response over 24 KB', () => {
      const response = envelope(closing('Bye.').response, { history: 'x'.repeat(25000) });
      expect(certificationProblems(response)).toEqual([
        expect.stringMatching(
          /^\[size\] the response is \d+ bytes of JSON, over the 24576 byte \(24 KB\) limit$/,
        ),
      ]);
    });

    it('raw i18n key steps.triage.question', () => {
      const response = closing('steps.triage.question');
      expect(rulesBroken(response)).toEqual(['leftover']);
      expect(certificationProblems(response)).toEqual([
        '[leftover] speech contains what looks like a raw i18n key "steps.triage.question"',
      ]);
    });

    it('raw i18n key as the question of an open session', () => {
      const response = asking('steps.triage.question', 'steps.triage.reprompt');
      expect(certificationProblems(response)).toEqual([
        '[question] the session is kept open but the speech does not end with a question: "…steps.triage.question"',
        '[leftover] speech contains what looks like a raw i18n key "steps.triage.question"',
        '[leftover] reprompt contains what looks like a raw i18n key "steps.triage.reprompt"',
      ]);
    });

    it('raw i18n key errors.storageDown inside a sentence and SSML', () => {
      const response = closing('Sorry. <s>errors.storageDown</s>');
      expect(certificationProblems(response)).toEqual([
        '[leftover] speech contains what looks like a raw i18n key "errors.storageDown"',
      ]);
    });

    it('"undefined" in speech', () => {
      const response = closing('Your speaker is undefined.');
      expect(certificationProblems(response)).toEqual([
        '[leftover] speech contains template leftover "undefined": "Your speaker is undefined."',
      ]);
    });

    it.each(['null', 'NaN', '[object Object]', '{{name}}'])('"%s" in speech', (leftover) => {
      expect(rulesBroken(closing(`We were at ${leftover}.`))).toEqual(['leftover']);
    });

    it('"undefined" in an SSML attribute is quoted from the markup', () => {
      const response = closing('Listen. <audio src="undefined"/>');
      expect(certificationProblems(response)).toEqual([
        '[leftover] speech contains template leftover "undefined": "<speak>Listen. <audio src="undefined"/></speak>"',
      ]);
    });

    it('leftovers in the reprompt and on the card', () => {
      const response = asking('Ready?', 'Say {{command}}?');
      response.response.card = { type: 'Simple', title: 'undefined', content: 'help.body' };
      expect(certificationProblems(response)).toEqual([
        '[leftover] reprompt contains template leftover "{{ }}": "Say {{command}}?"',
        '[leftover] card title contains template leftover "undefined": "undefined"',
        '[leftover] card content contains what looks like a raw i18n key "help.body"',
      ]);
    });

    it('Standard card without a title and Simple card without content', () => {
      const standard = closing('See the card.');
      standard.response.card = { type: 'Standard', title: ' ', text: 'Step one.' };
      expect(certificationProblems(standard)).toEqual(['[card] the Standard card has no title']);
      const simple = closing('See the card.');
      simple.response.card = { type: 'Simple', title: 'Help' };
      expect(certificationProblems(simple)).toEqual(['[card] the Simple card has no content']);
    });

    it('empty speech', () => {
      const response = closing('  <break time="1s"/> ');
      expect(certificationProblems(response)).toEqual(['[empty-speech] speech is present but says nothing']);
    });

    it('lists every violation in one error', () => {
      const response = envelope({
        outputSpeech: ssml('Fish & chips. steps.triage.question'),
        shouldEndSession: false,
      });
      let message = '';
      try {
        assertCertifiable(response, { label: 'triage turn' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^triage turn: response is not certifiable \(4 problems\):/);
      expect(message).toContain('[session]');
      expect(message).toContain('[question]');
      expect(message).toContain('[ssml] speech contains an unescaped "&"');
      expect(message).toContain(
        '[leftover] speech contains what looks like a raw i18n key "steps.triage.question"',
      );
      expect(message).toContain('speech:           "Fish & chips. steps.triage.question"');
    });
  });

  describe('options', () => {
    it('skip leaves out the named rules only', () => {
      const response = envelope({
        outputSpeech: ssml('Working on it.'),
        reprompt: { outputSpeech: ssml('undefined') },
        shouldEndSession: false,
      });
      expect(rulesBroken(response)).toEqual(['question', 'leftover']);
      expect(certificationProblems(response, { skip: ['question'] })).toEqual([
        '[leftover] reprompt contains template leftover "undefined": "undefined"',
      ]);
    });

    it('allowDotted accepts a known dotted name', () => {
      const response = closing('Open bose.connect on your phone.');
      expect(rulesBroken(response)).toEqual(['leftover']);
      expect(certificationProblems(response, { allowDotted: ['bose.connect'] })).toEqual([]);
    });
  });

  it('checks SSML synchronously and leaves Promise.resolve as it was', () => {
    const resolve = Promise.resolve;
    expect(certificationProblems(closing('<foo>Hi.</foo>'))).toHaveLength(1);
    expect(Promise.resolve).toBe(resolve);
  });

  describe('plain text helpers', () => {
    it('strip tags, decode entities and collapse whitespace', () => {
      const response = asking(
        '<p>Step one.</p><s>Hold the <emphasis>pairing</emphasis>   button.</s> Pair &amp; play?',
        'Ready?',
      );
      expect(plainSpeech(response)).toBe('Step one. Hold the pairing button. Pair & play?');
      expect(plainReprompt(response)).toBe('Ready?');
      expect(plainReprompt(closing('Bye.'))).toBe('');
      expect(ssmlToPlain('<speak>Wait.<break time="1s"/>Now.</speak>')).toBe('Wait. Now.');
    });
  });
});
