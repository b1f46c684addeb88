/**
 * Claims the vetted facts (docs/facts.md) mark wrong or unverifiable, or that the conversation review found
 * the skill saying beyond its facts. Every response the conversation tests produce is held against this list
 * (test/support/conversation.ts), and so is every sentence of the en-US resources (test/unit/wrong-claims.test.ts).
 *
 * Each entry says why, with the id in docs/facts.md, so a failing test tells the writer what to say instead.
 */
export interface WrongClaim {
  pattern: RegExp;
  why: string;
}

export const WRONG_CLAIMS: readonly WrongClaim[] = [
  {
    pattern: /connect to (my|your|the) speaker/i,
    why: 'only "connect to Bluetooth" or "connect to [the speaker\'s name]" are known commands (F3, N9)',
  },
  {
    pattern: /speaker output|speaker mode setting|bluetooth speaker mode/i,
    why: 'there is no speaker-output toggle (N1)',
  },
  { pattern: /auto[- ]?disconnect/i, why: 'no auto-disconnect setting is known (N2)' },
  { pattern: /\bHFP\b|hands[- ]free profile/i, why: 'nothing to do with HFP (N3)' },
  { pattern: /\b(aptx|aac|codecs?|sbc|bitrate)\b/i, why: 'codec claims are unverifiable (N4)' },
  { pattern: /0x110[ab]|\buuid\b|nrf connect/i, why: 'UUID checks are wrong advice (N5)' },
  {
    pattern: /(power|bluetooth) \+ (volume|bluetooth)|for \d+ seconds|\b\d+ s\b/i,
    why: 'brand button combinations and timings are unverifiable: "see the manual" (N6)',
  },
  { pattern: /90 seconds|ninety seconds|mac address/i, why: 'no 90-second wait or MAC table (N7)' },
  {
    pattern: /alexa, pair\b/i,
    why: 'a new speaker is paired in the Alexa app, not by "Alexa, pair" (F2, N8)',
  },
  { pattern: /discoverable mode/i, why: 'a speaker has one pairing mode (N12)' },
  {
    pattern:
      /(can't|cannot|can not|doesn't|does not) (send|stream|output|play) (audio|sound|music) to (a )?bluetooth/i,
    why: 'every Echo Dot can send its sound to a Bluetooth speaker (F20, N10)',
  },
  { pattern: /deprecat/i, why: 'no deprecation of Bluetooth audio is known (N11)' },
  {
    pattern: /alexa, play [^.]* on (your|the|my) (bluetooth )?speaker/i,
    why: 'a Bluetooth speaker is not a named Alexa target (N13)',
  },
  {
    pattern: /(alarms?|timers?|notifications?|alexa's voice)[^.]{0,40}(play|come|stay|go)/i,
    why: "where alarms, timers and Alexa's voice play is not known (N14)",
  },
  {
    pattern: /multi-?room|speaker group|music group/i,
    why: 'Bluetooth speakers in groups: treat as no (N15)',
  },
  {
    pattern:
      /sniff|\bBLE\b|low energy|drops? the connection[^.]{0,20}(save|saving) power|(drop|end)s? the (link|connection) to save/i,
    why: 'idle disconnects are the speaker switching itself off, not Bluetooth behaviour (N16)',
  },
  {
    pattern: /offline[^.]{0,60}(by voice|still (pair|connect))/i,
    why: 'an offline Echo cannot pair or connect (F14, N17)',
  },
  {
    pattern: /overnight|30 minutes|thirty minutes|every two weeks|biweekly|fortnight/i,
    why: 'no update timing is known (F11, N18)',
  },
  {
    pattern: /wait (about )?(ten|10|five|5|thirty|30) seconds/i,
    why: 'no waiting time is given for a restart (F9, N19)',
  },
  { pattern: /full list|list is full/i, why: 'a speaker\'s "full list" has no source (N20)' },
  {
    pattern: /three to six feet|3 to 6 feet|3-6 ?f(ee)?t|same table/i,
    why: 'at least three feet apart, not 3–6 feet or the same table (F7, N22)',
  },
  {
    pattern: /clean slate|on either side|both sides|make your phone forget/i,
    why: 'why forgetting helps is unverified; only the Echo forgets the speaker (F19, N23)',
  },
  {
    pattern: /echo (can't|cannot) connect to it/i,
    why: 'a speaker held by a phone "may not" connect; it depends on the speaker (F6, N24)',
  },
  {
    pattern: /(bluetooth|the) or (the )?power button|hold (the )?power button/i,
    why: 'hold the Bluetooth button; holding power switches many speakers off (F1)',
  },
  {
    pattern: /I've saved what you tried/i,
    why: 'nothing reads the tried steps back: the card lists them instead',
  },
  { pattern: /anything that can burn/i, why: 'not part of the safety advice (F18)' },
  { pattern: /are both up to date/i, why: 'nobody can tell whether an Echo is up to date (F11)' },
  {
    pattern: /low latency|stereo pairing|party pairing|aux input|deregister/i,
    why: 'jargon the review asked to avoid',
  },
];

/** The claims a text makes that it must not, with why. */
export function wrongClaimsIn(text: string): string[] {
  return WRONG_CLAIMS.filter((claim) => claim.pattern.test(text)).map(
    (claim) => `"${text.match(claim.pattern)?.[0]}": ${claim.why}`,
  );
}
