import { matchByName } from '../../lambda/src/spotify/device-match';

const devices = ['Kitchen Echo', 'Kitchen Speaker', 'Office Speaker', 'Living Room TV', "Sam's iPhone"];
const match = (spoken: string) => {
  const m = matchByName(devices, spoken, (d) => d);
  return m.kind === 'one' ? m.item : m.kind === 'several' ? m.items : undefined;
};

describe('matching a spoken device name', () => {
  it.each([
    ['kitchen echo', 'Kitchen Echo'],
    ['the office speaker', 'Office Speaker'],
    ['my living room tv', 'Living Room TV'],
    ['living room', 'Living Room TV'],
    ['office', 'Office Speaker'],
    ['kichen echo', 'Kitchen Echo'],
    ["sam's iphone", "Sam's iPhone"],
    ['sams iphone', "Sam's iPhone"],
  ])('"%s" finds %s', (spoken, expected) => {
    expect(match(spoken)).toBe(expected);
  });

  it('asks which when the words fit several equally', () => {
    expect(match('kitchen')).toEqual(['Kitchen Echo', 'Kitchen Speaker']);
  });

  it('finds nothing for a device the user does not have', () => {
    expect(match('garage')).toBeUndefined();
    expect(match('')).toBeUndefined();
  });

  it('treats two devices with the same name as a choice, not a guess', () => {
    const twins = matchByName(['Echo Dot', 'Echo Dot'], 'echo dot', (d) => d);
    expect(twins.kind).toBe('several');
  });
});
