/**
 * DynamoDB throttling on the wire (400 ProvisionedThroughputExceededException or ThrottlingException from the
 * fault proxy) against the production client and store, through the fault harness (fault-conversation.ts,
 * which checks every turn's answer and bounds its DynamoDB requests).
 *
 * The client retries a throttle after a short full-jitter backoff drawn with Math.random
 * (lambda/src/state/retry-strategy.ts), so these tests pin the draw while a fault is on, and run one after
 * another (not concurrently) because Math.random is global. No test measures time.
 */
import { arriving, FLOW, sentences, words } from '../support/conversation';
import { createTestTable, testEndpoint } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { CANT_FIND, ENTRY, FaultRig, OPEN, SECOND, THIRD, TO_THIRD } from './fault-conversation';

const STORAGE_DOWN = words('errors.storageDown');
const ANSWERED_SECOND = sentences(words('answer.ok'), arriving(SECOND).speech);
const ANSWERED_THIRD = sentences(
  words('symptom.ack', { symptom: words('symptoms.several_echos') }),
  arriving(THIRD).speech,
);
const EXCEPTIONS = ['ProvisionedThroughputExceededException', 'ThrottlingException'] as const;

let table: TestTable;
let r: FaultRig;

beforeAll(async () => {
  table = await createTestTable('faults-throttle');
});
beforeEach(async () => {
  r = await FaultRig.start({
    upstream: testEndpoint(),
    tableName: table.tableName,
    observerClient: table.client,
  });
});
afterEach(async () => {
  jest.restoreAllMocks();
  await r.close();
});
afterAll(() => table.dispose());

/** The SDK's backoff draws (Math.random) return `draw` until the test ends. */
const pinJitter = (draw: number) => jest.spyOn(Math, 'random').mockReturnValue(draw);

describe.each(EXCEPTIONS)('%s', (exception) => {
  it('one throttle on the read at session start: retried once, the returning user notices nothing', async () => {
    const c = await r.conversation();
    await c.sayAll(OPEN, CANT_FIND, 'yes', 'stop');
    const reference = await r.conversation();
    await reference.sayAll(OPEN, CANT_FIND, 'yes', 'stop', OPEN);

    pinJitter(0.5);
    r.proxy.fault('GetItem', { kind: 'throttled', exception });
    await c.say(OPEN);
    expect(c.speech).toBe(reference.speech);
    expect(c.step).toBe(SECOND);
    const [first, second, ...rest] = c.turn.dynamo;
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ operation: 'GetItem', attempt: 1, status: 400, forwarded: false });
    expect(second).toMatchObject({ operation: 'GetItem', attempt: 2, status: 200, forwarded: true });
    expect(second?.invocationId).toBe(first?.invocationId);
  });

  it('one throttle on a write: retried once, the user notices nothing, and the answer is saved', async () => {
    const c = await r.conversation();
    await c.sayAll(OPEN, CANT_FIND);
    pinJitter(0.5);
    r.proxy.fault('PutItem', { kind: 'throttled', exception });
    await c.say('yes');
    expect(c.speech).toBe(ANSWERED_SECOND);
    expect(c.turn.dynamo.map((q) => q.status)).toEqual([400, 200]);
    expect((await c.stored())?.progress.stepId).toBe(SECOND);
  });

  it('throttled on every attempt mid-conversation: told once, goes on, saved when it clears', async () => {
    const c = await r.conversation();
    await c.sayAll(OPEN, CANT_FIND);
    r.proxy.fault('PutItem', { kind: 'throttled', exception }, { times: Infinity });
    await c.say('yes');
    expect(c.speech).toBe(sentences(STORAGE_DOWN, ANSWERED_SECOND));
    await c.say(TO_THIRD);
    expect(c.speech).toBe(ANSWERED_THIRD);
    for (const turn of c.turns.slice(-2)) {
      expect(turn.dynamo.length).toBeLessThanOrEqual(c.maxAttempts);
      expect(turn.dynamo.every((q) => q.status === 400 || q.outcome === 'abandoned')).toBe(true);
    }
    expect((await c.stored())?.progress.stepId).toBe(ENTRY);

    await r.heal();
    await c.sayAll('repeat', 'stop');
    expect((await c.stored())?.progress).toMatchObject({
      stepId: THIRD,
      history: [FLOW.start, ENTRY, SECOND],
    });
    const next = await r.restart(c);
    await next.say(OPEN);
    expect(next.step).toBe(THIRD);
  });
});

describe('one throttle and the backoff draw', () => {
  // The SDK's own strategy waits up to 1 s after a throttle, the store's whole budget: the worst draw lost the save.
  it('a single throttle is absorbed whatever the draw', async () => {
    const c = await r.conversation();
    await c.sayAll(OPEN, CANT_FIND);
    pinJitter(0.999);
    r.proxy.fault('PutItem', { kind: 'throttled' });
    await c.say('yes');
    expect(c.speech).toBe(ANSWERED_SECOND);
    expect((await c.stored())?.progress.stepId).toBe(SECOND);
  });
});
