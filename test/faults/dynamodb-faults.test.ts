/**
 * DynamoDB faults on the wire: the real skill with the production DynamoDB client and store (default timeouts,
 * three attempts, 1 s call budget) talks to dynalite through a fault proxy (test/support/dynamo-fault-proxy.ts)
 * that slows, fails, drops, hangs or refuses GetItem (the read at session start) or PutItem (the writes
 * mid-conversation). The harness (fault-conversation.ts) checks on every turn that the skill answered with a
 * certifiable response, never its generic error words, and that the DynamoDB requests stayed within the SDK's
 * attempts per store call, with nothing sent after the answer. No test measures time: bench/faults.ts does.
 * Throttling, whose retry waits on a random backoff, is in dynamodb-throttle.test.ts.
 *
 * test/conversation/storage.test.ts covers the conversation's side of an outage through a second store on a
 * dead endpoint; here the faults are in front of the one production client, per operation and per kind.
 *
 * Each test has its own proxy (`FaultRig`) and runs concurrently with the others: most faults cost a turn its
 * whole call budget in waiting, not in work.
 */
import { arriving, FLOW, restating, sentences, words } from '../support/conversation';
import type { DynamoFault } from '../support/dynamo-fault-proxy';
import { createTestTable, testEndpoint } from '../support/test-table';
import type { TestTable } from '../support/test-table';
import { CANT_FIND, ENTRY, FaultRig, OPEN, SECOND, THIRD, TO_THIRD } from './fault-conversation';
import type { FaultConversation } from './fault-conversation';

const STORAGE_DOWN = words('errors.storageDown');
const STORAGE_BACK = words('errors.storageBack');
const CONFLICT = words('errors.conflict');

let table: TestTable;

const rig = () =>
  FaultRig.start({ upstream: testEndpoint(), tableName: table.tableName, observerClient: table.client });

/** A test body on its own fault proxy, closed afterwards. */
const withRig = (run: (r: FaultRig) => Promise<void>) => async () => {
  const r = await rig();
  try {
    await run(r);
  } finally {
    await r.close();
  }
};

/** How often the storage warning was spoken in the last `last` turns. */
const warnings = (c: FaultConversation, last: number) =>
  c.turns.slice(-last).filter((t) => t.speech.includes(STORAGE_DOWN)).length;

/** A user who reached SECOND and stopped. */
async function returningUser(r: FaultRig): Promise<FaultConversation> {
  const c = await r.conversation();
  await c.sayAll(OPEN, CANT_FIND, 'yes', 'stop');
  expect((await c.stored())?.progress.stepId).toBe(SECOND);
  return c;
}

/** What a returning user hears on opening and answering "yes", without faults. */
let referenceRead: string[];
/** Two answers mid-conversation without faults: SECOND, then THIRD. */
const referenceWrite = [
  sentences(words('answer.ok'), arriving(SECOND).speech),
  sentences(words('symptom.ack', { symptom: words('symptoms.several_echos') }), arriving(THIRD).speech),
];

beforeAll(async () => {
  table = await createTestTable('faults-dynamo');
  const r = await rig();
  try {
    const c = await returningUser(r);
    await c.sayAll(OPEN, TO_THIRD);
    expect(c.step).toBe(THIRD);
    referenceRead = c.turns.slice(-2).map((t) => t.speech);
    const w = await r.conversation();
    await w.sayAll(OPEN, CANT_FIND, 'yes', TO_THIRD);
    expect(w.turns.slice(-2).map((t) => t.speech)).toEqual(referenceWrite);
  } finally {
    await r.close();
  }
});
afterAll(() => table.dispose());

interface FaultCase {
  name: string;
  on(r: FaultRig, operation: 'GetItem' | 'PutItem'): void | Promise<void>;
}

const rule = (name: string, fault: DynamoFault, times = 1): FaultCase => ({
  name,
  on: (r, operation) => r.proxy.fault(operation, fault, { times }),
});

/** Faults the SDK's bounded retry absorbs, or that stay under the budget: the user hears no difference. */
const ABSORBED: FaultCase[] = [
  rule('slow under the budget (150 ms on every request)', { kind: 'slow', delayMs: 150 }, Infinity),
  rule('one 500 InternalServerError', { kind: 'serverError' }),
  rule('one dropped connection', { kind: 'drop' }),
  rule('one request never answered', { kind: 'hang' }),
  {
    // Two of the three attempts fail.
    name: 'a 500, then a dropped connection',
    on: (r, operation) => {
      r.proxy.fault(operation, { kind: 'serverError' });
      r.proxy.fault(operation, { kind: 'drop' });
    },
  },
];

/** Faults that outlast every attempt of a call: the store gives up within its budget. */
const PERSISTENT: FaultCase[] = [
  rule(
    'slow over the budget (2 s before DynamoDB)',
    { kind: 'slow', delayMs: 2000, phase: 'request' },
    Infinity,
  ),
  rule('500 on every attempt', { kind: 'serverError' }, Infinity),
  rule('every connection dropped', { kind: 'drop' }, Infinity),
  rule('never answered', { kind: 'hang' }, Infinity),
  { name: 'unreachable (connection refused)', on: (r) => r.proxy.offline() },
];

describe.each(ABSORBED)('absorbed: $name', (fault) => {
  it.concurrent(
    'on the read at session start: the returning user notices nothing',
    withRig(async (r) => {
      const c = await returningUser(r);
      await fault.on(r, 'GetItem');
      await c.say(OPEN);
      await r.heal();
      await c.say(TO_THIRD);
      expect(c.turns.slice(-2).map((t) => t.speech)).toEqual(referenceRead);
      expect(c.turns.at(-2)?.storeCalls).toEqual(['load']);
      expect((await c.stored())?.progress.stepId).toBe(THIRD);
    }),
  );

  it.concurrent(
    'on the writes mid-conversation: the user notices nothing, and every answer is saved',
    withRig(async (r) => {
      const c = await r.conversation();
      await c.sayAll(OPEN, CANT_FIND);
      const version = (await c.stored())?.version ?? 0;
      await fault.on(r, 'PutItem');
      await c.say('yes');
      expect((await c.stored())?.progress.stepId).toBe(SECOND);
      await fault.on(r, 'PutItem');
      await c.say(TO_THIRD);
      expect(c.turns.slice(-2).map((t) => t.speech)).toEqual(referenceWrite);
      expect(c.turns.slice(-2).map((t) => t.storeCalls)).toEqual([['save'], ['save']]);
      const stored = await c.stored();
      expect(stored?.progress).toMatchObject({ stepId: THIRD, history: [FLOW.start, ENTRY, SECOND] });
      expect(stored?.version).toBe(version + 2);
    }),
  );
});

describe.each(PERSISTENT)('persistent: $name', (fault) => {
  it.concurrent(
    'on the read at session start: told once, goes on, and the stored place is found when it clears',
    withRig(async (r) => {
      const c = await returningUser(r);
      await fault.on(r, 'GetItem');
      await c.say(OPEN);
      expect(c.speech.startsWith(STORAGE_DOWN)).toBe(true);
      expect(c.sessionOpen).toBe(true);
      await c.say('repeat');
      expect(c.sessionOpen).toBe(true);
      expect(warnings(c, 2)).toBe(1);
      // Nothing is written over the stored place while it cannot be read.
      expect((await c.stored())?.progress.stepId).toBe(SECOND);

      await r.heal();
      await c.say('repeat');
      expect(c.speech.startsWith(STORAGE_BACK)).toBe(true);
      expect(c.step).toBe(SECOND);
      await c.say(TO_THIRD);
      expect(c.step).toBe(THIRD);

      // No progress lost: a new session on a new container resumes where the user last was.
      const next = await r.restart(c);
      await next.say(OPEN);
      expect(next.speech).toContain(words('welcome.returning'));
      expect(next.step).toBe(THIRD);
    }),
  );

  it.concurrent(
    'on the reads of a whole session: the user was told their progress may not be kept',
    withRig(async (r) => {
      const c = await returningUser(r);
      await fault.on(r, 'GetItem');
      await c.sayAll(OPEN, CANT_FIND, 'stop');
      expect(c.turns.at(-3)?.speech.startsWith(STORAGE_DOWN)).toBe(true);
      expect(warnings(c, 3)).toBe(1);
      expect(c.turns.slice(-3).every((t) => t.storeCalls.every((call) => call === 'load'))).toBe(true);

      await r.heal();
      await c.say(OPEN);
      expect(c.step).toBe(SECOND);
      expect(c.speech).not.toContain(STORAGE_DOWN);
    }),
  );

  it.concurrent(
    'on the writes mid-conversation: told once, goes on, and the progress is saved on a later turn',
    withRig(async (r) => {
      const c = await r.conversation();
      await c.sayAll(OPEN, CANT_FIND);
      const saved = await c.stored();
      await fault.on(r, 'PutItem');
      await c.say('yes');
      expect(c.speech).toBe(sentences(STORAGE_DOWN, referenceWrite[0] as string));
      await c.say(TO_THIRD);
      expect(c.speech).toBe(referenceWrite[1]);
      expect(c.turns.slice(-2).map((t) => t.storeCalls)).toEqual([['save'], ['save']]);
      expect(await c.stored()).toEqual(saved);

      await r.heal();
      await c.say('repeat');
      expect(c.speech).toBe(restating(THIRD).speech);
      expect(c.turn.storeCalls).toEqual(['save']);
      const stored = await c.stored();
      expect(stored?.progress).toMatchObject({ stepId: THIRD, history: [FLOW.start, ENTRY, SECOND] });
      // Above every version the failed attempts announced: one of them may have landed unseen.
      expect(stored?.version).toBe((saved?.version ?? 0) + 3);

      const next = await r.restart(c);
      await next.say(OPEN);
      expect(next.step).toBe(THIRD);
    }),
  );

  it.concurrent(
    'on the writes of the rest of a session: told once, and a new session resumes at the last saved step',
    withRig(async (r) => {
      const c = await r.conversation();
      await c.sayAll(OPEN, CANT_FIND);
      await fault.on(r, 'PutItem');
      await c.sayAll('yes', 'stop');
      expect(c.turns.at(-2)?.speech.startsWith(STORAGE_DOWN)).toBe(true);
      expect(warnings(c, 2)).toBe(1);

      await r.heal();
      const next = await r.restart(c);
      await next.say(OPEN);
      expect(next.step).toBe(ENTRY);
      expect(next.speech).not.toContain(STORAGE_DOWN);
    }),
  );
});

describe('a fraction of the requests failing', () => {
  it.concurrent(
    'half of all requests answered 500 over a whole journey: every turn answers, and what is stored is what the user reached',
    withRig(async (r) => {
      const c = await r.conversation();
      r.proxy.fault('*', { kind: 'serverError' }, { fraction: 0.5, times: Infinity });
      await c.sayAll(OPEN, CANT_FIND, 'yes', TO_THIRD, 'repeat', 'why', 'go back', TO_THIRD);
      expect(warnings(c, c.turns.length)).toBeLessThanOrEqual(1);
      expect(c.turns.every((t) => t.sessionOpen)).toBe(true);
      const failed = r.proxy.requests().filter((q) => q.status === 500).length;
      expect(failed).toBeGreaterThan(0);

      await r.heal();
      await c.sayAll('repeat', 'stop');
      expect((await c.stored())?.progress.stepId).toBe(THIRD);
      const next = await r.restart(c);
      await next.say(OPEN);
      expect(next.step).toBe(THIRD);
    }),
  );
});

describe('writes DynamoDB applied but whose answer never came back', () => {
  it.concurrent(
    'a lost answer to an applied write is not taken for another device',
    withRig(async (r) => {
      const c = await r.conversation();
      await c.sayAll(OPEN, CANT_FIND);
      r.proxy.fault('PutItem', { kind: 'drop', phase: 'response' });
      await c.say('yes');
      // DynamoDB applied the first attempt; only its answer was lost.
      expect(c.turn.dynamo[0]).toMatchObject({ operation: 'PutItem', forwarded: true, outcome: 'dropped' });
      expect(c.speech).not.toContain(CONFLICT);
      expect(c.speech).toBe(referenceWrite[0]);
      expect((await c.stored())?.progress.stepId).toBe(SECOND);
    }),
  );

  it.concurrent(
    'a slow write applied after the store gave up does not cost the next answer',
    withRig(async (r) => {
      const c = await r.conversation();
      await c.sayAll(OPEN, CANT_FIND);
      r.proxy.fault('PutItem', { kind: 'slow', delayMs: 1500, phase: 'response' }, { times: Infinity });
      await c.say('yes');
      expect(c.speech).toBe(sentences(STORAGE_DOWN, referenceWrite[0] as string));
      await r.heal();
      await r.proxy.settle();
      await c.say(TO_THIRD);
      expect(c.speech).not.toContain(CONFLICT);
      expect(c.speech).toBe(referenceWrite[1]);
      expect((await c.stored())?.progress.stepId).toBe(THIRD);
    }),
  );
});

describe('what the proxy saw', () => {
  it.concurrent(
    'a write hung on every attempt: given up within the attempts, never forwarded, nothing sent after the answer',
    withRig(async (r) => {
      const c = await r.conversation();
      await c.sayAll(OPEN, CANT_FIND);
      r.proxy.fault('PutItem', { kind: 'hang' }, { times: Infinity });
      await c.say('yes');
      const attempts = c.turn.dynamo;
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      expect(attempts.length).toBeLessThanOrEqual(c.maxAttempts);
      expect(new Set(attempts.map((q) => q.invocationId)).size).toBe(1);
      expect(attempts.every((q) => q.operation === 'PutItem' && !q.forwarded)).toBe(true);
      // The harness fails the next turn if a late retry reached DynamoDB in between.
      await new Promise<void>((resolve) => setTimeout(resolve, 300));
      await r.heal();
      await c.say('repeat');
      expect(c.turn.storeCalls).toEqual(['save']);
      expect((await c.stored())?.progress.stepId).toBe(SECOND);
    }),
  );
});
