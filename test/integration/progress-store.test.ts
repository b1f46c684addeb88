import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { AttributesManagerFactory } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import type { Progress } from '../../lambda/src/conversation/types';
import {
  createDynamoClient,
  DynamoProgressStore,
  PROGRESS_TTL_SECONDS,
  StoreDeadlineError,
  StoreUnavailableError,
  VersionConflictError,
} from '../../lambda/src/state/dynamo-progress-store';
import type { StoreLogger, StoreOperation } from '../../lambda/src/state/dynamo-progress-store';
import { userKeyOf } from '../../lambda/src/state/user-key';
import { createTestTable, testEndpoint } from '../support/test-table';
import type { TestTable } from '../support/test-table';

const USER = 'amzn1.ask.account.RAW-USER-ID-DO-NOT-STORE-0001';
let userCounter = 0;
/** A distinct user per test, so tests sharing the table cannot see each other. */
const newUser = (): string => `${USER}-${++userCounter}`;

const fullProgress: Progress = {
  stepId: 'check_bluetooth_on',
  history: ['triage', 'check_power'],
  tried: [
    { step: 'triage', outcome: 'unsure' },
    { step: 'check_power', outcome: 'yes' },
  ],
  status: 'active',
  symptom: 'wont_pair',
  speakerName: 'Kitchen Boom',
};
const minimalProgress: Progress = { stepId: 'triage', history: [], tried: [], status: 'active' };

function capturingLogger(): StoreLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (msg, fields) => lines.push(`warn ${msg} ${JSON.stringify(fields ?? {})}`),
    error: (msg, fields) => lines.push(`error ${msg} ${JSON.stringify(fields ?? {})}`),
  };
}

function envelopeFor(userId: string): RequestEnvelope {
  return {
    version: '1.0',
    context: {
      System: {
        application: { applicationId: 'amzn1.ask.skill.test' },
        user: { userId },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request: {
      type: 'LaunchRequest',
      requestId: 'req-1',
      timestamp: new Date().toISOString(),
      locale: 'en-US',
    },
  } as unknown as RequestEnvelope;
}

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable('progress-store');
});
afterAll(() => table.dispose());

async function rawItem(userId: string): Promise<Record<string, AttributeValue> | undefined> {
  const out = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { userKey: { S: userKeyOf(userId) } },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

async function putRaw(userId: string, item: Record<string, AttributeValue>): Promise<void> {
  await table.client.send(
    new PutItemCommand({ TableName: table.tableName, Item: { userKey: { S: userKeyOf(userId) }, ...item } }),
  );
}

describe('DynamoProgressStore against dynalite', () => {
  test('round trip of a full and a minimal progress', async () => {
    const store = table.store();
    const user = newUser();
    const saved = await store.save(user, fullProgress, 0);
    expect(saved.version).toBe(1);
    expect(await store.load(user)).toEqual(saved);
    expect(saved.progress).toEqual(fullProgress);

    const other = newUser();
    await store.save(other, minimalProgress, 0);
    const loaded = await store.load(other);
    expect(loaded?.progress).toEqual(minimalProgress);
    expect(loaded?.progress).not.toHaveProperty('symptom');
    const raw = await rawItem(other);
    expect(raw).not.toHaveProperty('symptom');
    expect(raw).not.toHaveProperty('speakerName');
  });

  test('item layout: schemaVersion 2, the progress as one JSON attribute, updatedAt and expiresAt 30 days out', async () => {
    const now = Date.parse('2025-03-01T12:00:00.500Z');
    const store = table.store({ clock: () => now });
    const user = newUser();
    const saved = await store.save(user, fullProgress, 0);
    expect(saved.updatedAt).toBe('2025-03-01T12:00:00.500Z');
    expect(saved.expiresAt).toBe(Math.floor(now / 1000) + PROGRESS_TTL_SECONDS);
    const raw = await rawItem(user);
    expect(raw).toEqual({
      userKey: { S: userKeyOf(user) },
      version: { N: '1' },
      schemaVersion: { N: '2' },
      updatedAt: { S: '2025-03-01T12:00:00.500Z' },
      expiresAt: { N: String(saved.expiresAt) },
      progress: { S: expect.any(String) as string },
    });
    expect(JSON.parse(raw?.progress?.S ?? '')).toEqual(fullProgress);
  });

  test('an item of the previous layout (schemaVersion 1, a field per attribute) still loads, and is rewritten as 2', async () => {
    const user = newUser();
    await putRaw(user, {
      version: { N: '3' },
      schemaVersion: { N: '1' },
      updatedAt: { S: '2025-01-01T00:00:00.000Z' },
      expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
      stepId: { S: 'check_bluetooth_on' },
      history: { L: [{ S: 'triage' }, { S: 'check_power' }] },
      tried: {
        L: [
          { M: { step: { S: 'triage' }, outcome: { S: 'unsure' } } },
          { M: { step: { S: 'check_power' }, outcome: { S: 'yes' } } },
        ],
      },
      status: { S: 'active' },
      symptom: { S: 'wont_pair' },
      speakerName: { S: 'Kitchen Boom' },
    });
    const store = table.store();
    const loaded = await store.load(user);
    expect(loaded).toMatchObject({ version: 3, progress: fullProgress });
    await store.save(user, { ...fullProgress, stepId: 'check_power' }, 3);
    const raw = await rawItem(user);
    expect(raw?.schemaVersion).toEqual({ N: '2' });
    expect(raw).not.toHaveProperty('stepId');
    expect((await store.load(user))?.progress.stepId).toBe('check_power');
  });

  test('a user never seen loads as undefined', async () => {
    expect(await table.store().load(newUser())).toBeUndefined();
  });

  test('successive saves bump the version', async () => {
    const store = table.store();
    const user = newUser();
    await store.save(user, minimalProgress, 0);
    const second = await store.save(user, { ...minimalProgress, stepId: 'check_power' }, 1);
    expect(second.version).toBe(2);
    expect(await store.load(user)).toMatchObject({ version: 2, progress: { stepId: 'check_power' } });
  });

  test('an expired item is absent, and the user can start again with expectedVersion 0', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = table.store({ clock: () => now });
    const user = newUser();
    const first = await store.save(user, fullProgress, 0);
    // Still inside the 30 days: present, and a fresh start would clobber it.
    now += (PROGRESS_TTL_SECONDS - 1) * 1000;
    expect(await store.load(user)).toBeDefined();
    await expect(store.save(user, minimalProgress, 0)).rejects.toBeInstanceOf(VersionConflictError);

    now = first.expiresAt * 1000;
    expect(await store.load(user)).toBeUndefined();
    // dynalite (like DynamoDB before its TTL sweep) still holds it.
    expect(await rawItem(user)).toBeDefined();

    const again = await store.save(user, minimalProgress, 0);
    expect(again.version).toBe(1);
    expect(await store.load(user)).toEqual(again);
  });

  test('two Echos of one user: the stale write gets VersionConflictError and changes nothing', async () => {
    const kitchen = table.store();
    const bedroom = table.store();
    const user = newUser();
    await kitchen.save(user, minimalProgress, 0);

    const seenByKitchen = await kitchen.load(user);
    const seenByBedroom = await bedroom.load(user);
    expect(seenByKitchen?.version).toBe(1);
    expect(seenByBedroom?.version).toBe(1);

    await kitchen.save(user, fullProgress, seenByKitchen!.version);
    const before = await rawItem(user);
    await expect(
      bedroom.save(user, { ...minimalProgress, status: 'resolved' }, seenByBedroom!.version),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await rawItem(user)).toEqual(before);
    expect(await bedroom.load(user)).toMatchObject({ version: 2, progress: fullProgress });
  });

  describe("a writer's own earlier write is not another device's change", () => {
    const kitchen = { id: 'session-kitchen' };
    const bedroom = { id: 'session-bedroom' };

    test('a save repeated after its answer was lost goes through, at the version it announced', async () => {
      const store = table.store();
      const user = newUser();
      const first = await store.save(user, minimalProgress, 0, kitchen);
      // The SDK resends the same request when an answer is lost; the item already carries this writer.
      const again = await store.save(user, minimalProgress, 0, kitchen);
      expect(again.version).toBe(first.version);
      const moved = await store.save(user, fullProgress, 1, kitchen);
      expect(await store.save(user, fullProgress, 1, kitchen)).toMatchObject({ version: moved.version });
      expect(await store.load(user)).toMatchObject({ version: 2, progress: fullProgress });
    });

    test('a write applied after the writer gave up: the next save lands above it', async () => {
      const store = table.store();
      const user = newUser();
      await store.save(user, minimalProgress, 0, kitchen);
      // The session still believes version 1 and knows it may have sent version 2.
      await store.save(user, { ...minimalProgress, stepId: 'late' }, 1, kitchen);
      const next = await store.save(user, fullProgress, 1, { ...kitchen, unconfirmedVersion: 2 });
      expect(next.version).toBe(3);
      expect(await store.load(user)).toMatchObject({ version: 3, progress: fullProgress });
    });

    test('another device wrote in between: a conflict, whatever this writer sent before', async () => {
      const store = table.store();
      const user = newUser();
      await store.save(user, minimalProgress, 0, kitchen);
      await store.save(user, { ...minimalProgress, stepId: 'bedroom' }, 1, bedroom);
      const before = await rawItem(user);
      await expect(store.save(user, fullProgress, 1, kitchen)).rejects.toBeInstanceOf(VersionConflictError);
      await expect(
        store.save(user, fullProgress, 0, { ...kitchen, unconfirmedVersion: 1 }),
      ).rejects.toBeInstanceOf(VersionConflictError);
      expect(await rawItem(user)).toEqual(before);
    });

    test("a new user's first save is one write", async () => {
      const sent: string[] = [];
      const store = table.store({ onOperation: (op) => sent.push(op) });
      await store.save(newUser(), minimalProgress, 0, kitchen);
      expect(sent).toEqual(['save']);
    });
  });

  test('two first-time saves racing: exactly one wins', async () => {
    const user = newUser();
    const results = await Promise.allSettled([
      table.store().save(user, fullProgress, 0),
      table.store().save(user, minimalProgress, 0),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
  });

  test('a version ahead of the stored one conflicts too', async () => {
    const store = table.store();
    const user = newUser();
    await expect(store.save(user, minimalProgress, 3)).rejects.toBeInstanceOf(VersionConflictError);
    await store.save(user, minimalProgress, 0);
    await expect(store.save(user, minimalProgress, 5)).rejects.toBeInstanceOf(VersionConflictError);
  });

  test('delete removes the item; deleting an absent user is fine', async () => {
    const store = table.store();
    const user = newUser();
    await store.save(user, fullProgress, 0);
    await store.delete(user);
    expect(await store.load(user)).toBeUndefined();
    expect(await rawItem(user)).toBeUndefined();
    await expect(store.delete(user)).resolves.toBeUndefined();
    expect((await store.save(user, minimalProgress, 0)).version).toBe(1);
  });

  test('invalid input to save is a TypeError, not a write', async () => {
    const ops: StoreOperation[] = [];
    const store = table.store({ onOperation: (op) => ops.push(op) });
    const user = newUser();
    await expect(store.save(user, minimalProgress, -1)).rejects.toBeInstanceOf(TypeError);
    await expect(store.save(user, minimalProgress, 1.5)).rejects.toBeInstanceOf(TypeError);
    const bad = { ...minimalProgress, status: 'bogus' } as unknown as Progress;
    await expect(store.save(user, bad, 0)).rejects.toBeInstanceOf(TypeError);
    expect(ops).toEqual([]);
  });

  test('extra properties on progress are neither stored nor returned', async () => {
    const store = table.store();
    const user = newUser();
    const withExtra = { ...minimalProgress, secret: 'token-123' } as Progress;
    const saved = await store.save(user, withExtra, 0);
    expect(saved.progress).toEqual(minimalProgress);
    expect(JSON.stringify(await rawItem(user))).not.toContain('token-123');
  });

  test('the raw user id appears nowhere in the table', async () => {
    const store = table.store();
    const user = newUser();
    await store.save(user, fullProgress, 0);
    const key = userKeyOf(user);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toBe(userKeyOf(newUser()));

    const scan = await table.client.send(
      new ScanCommand({ TableName: table.tableName, ConsistentRead: true }),
    );
    const mine = scan.Items?.filter((item) => item.userKey?.S === key) ?? [];
    expect(mine).toHaveLength(1);
    const everything = JSON.stringify(scan.Items);
    expect(everything).not.toContain(USER);
    expect(everything).not.toContain('RAW-USER-ID');
  });

  describe('malformed stored items are absent, logged without the user, and replaceable', () => {
    const valid = (): Record<string, AttributeValue> => ({
      version: { N: '4' },
      schemaVersion: { N: '1' },
      updatedAt: { S: '2025-01-01T00:00:00.000Z' },
      expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
      stepId: { S: 'triage' },
      history: { L: [] },
      tried: { L: [] },
      status: { S: 'active' },
    });
    const cases: Array<[string, (item: Record<string, AttributeValue>) => void, boolean]> = [
      ['unknown schemaVersion', (i) => (i.schemaVersion = { N: '3' }), true],
      ['no schemaVersion', (i) => delete i.schemaVersion, true],
      ['no stepId', (i) => delete i.stepId, true],
      ['history not a list', (i) => (i.history = { S: 'triage' }), true],
      ['version as a string', (i) => (i.version = { S: '4' }), true],
      ['unknown status', (i) => (i.status = { S: 'paused' }), true],
      ['unknown symptom', (i) => (i.symptom = { S: 'on_fire' }), true],
      ['speakerName as a number', (i) => (i.speakerName = { N: '7' }), true],
      ['no expiresAt', (i) => delete i.expiresAt, true],
      ['expiresAt as a string', (i) => (i.expiresAt = { S: 'soon' }), true],
      ['a number too large for JS', (i) => (i.version = { N: '123456789012345678901234567890' }), false],
      [
        'a tried entry with an unknown outcome',
        (i) => (i.tried = { L: [{ M: { step: { S: 'x' } } }] }),
        true,
      ],
      ['a history entry that is not a string', (i) => (i.history = { L: [{ N: '1' }] }), true],
    ];

    test('the valid baseline loads', async () => {
      const user = newUser();
      await putRaw(user, valid());
      expect(await table.store().load(user)).toMatchObject({ version: 4, progress: minimalProgress });
    });

    test.each(cases)('%s', async (_name, spoil, replaceable) => {
      const logger = capturingLogger();
      const store = table.store({ logger });
      const user = newUser();
      const item = valid();
      spoil(item);
      await putRaw(user, item);

      expect(await store.load(user)).toBeUndefined();
      expect(logger.lines.length).toBeGreaterThanOrEqual(1);
      expect(logger.lines.join('\n')).not.toContain(USER);
      expect(logger.lines.join('\n')).not.toContain(userKeyOf(user));

      if (replaceable) {
        // Otherwise the user would be locked out until the item expires.
        expect((await store.save(user, fullProgress, 0)).version).toBe(1);
        expect((await store.load(user))?.progress).toEqual(fullProgress);
      } else {
        // Without a usable version: known limit, the item stays until it expires.
        await expect(store.save(user, fullProgress, 0)).rejects.toBeInstanceOf(VersionConflictError);
      }
    });
  });

  describe('malformed items of the current layout are absent and replaceable too', () => {
    const json = (progress: unknown): AttributeValue => ({ S: JSON.stringify(progress) });
    const valid = (): Record<string, AttributeValue> => ({
      version: { N: '4' },
      schemaVersion: { N: '2' },
      updatedAt: { S: '2025-01-01T00:00:00.000Z' },
      expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
      progress: json(minimalProgress),
    });
    const cases: Array<[string, (item: Record<string, AttributeValue>) => void]> = [
      ['progress that is not JSON', (i) => (i.progress = { S: '{"stepId":' })],
      ['progress as a number', (i) => (i.progress = { N: '7' })],
      ['no progress', (i) => delete i.progress],
      ['an unknown status inside', (i) => (i.progress = json({ ...minimalProgress, status: 'paused' }))],
      [
        'a history entry that is not a string',
        (i) => (i.progress = json({ ...minimalProgress, history: [1] })),
      ],
      ['JSON null', (i) => (i.progress = { S: 'null' })],
      ['no updatedAt', (i) => delete i.updatedAt],
    ];

    test('the valid item loads', async () => {
      const user = newUser();
      await putRaw(user, valid());
      expect(await table.store().load(user)).toMatchObject({ version: 4, progress: minimalProgress });
    });

    test.each(cases)('%s', async (_name, spoil) => {
      const store = table.store({ logger: capturingLogger() });
      const user = newUser();
      const item = valid();
      spoil(item);
      await putRaw(user, item);
      expect(await store.load(user)).toBeUndefined();
      expect((await store.save(user, fullProgress, 0)).version).toBeGreaterThan(0);
      expect((await store.load(user))?.progress).toEqual(fullProgress);
    });
  });
  describe('as an ask-sdk PersistenceAdapter', () => {
    test('get, save twice in one request, get, delete', async () => {
      const store = table.store();
      const user = newUser();
      const envelope = envelopeFor(user);
      expect(await store.getAttributes(envelope)).toEqual({});

      const attributes = { progress: minimalProgress };
      await store.saveAttributes(envelope, attributes);
      expect(attributes).toMatchObject({ version: 1 });
      await store.saveAttributes(envelope, { ...attributes, progress: fullProgress });

      expect(await store.getAttributes(envelope)).toMatchObject({ version: 2, progress: fullProgress });
      await store.deleteAttributes(envelope);
      expect(await store.getAttributes(envelope)).toEqual({});
    });

    test('through the AttributesManager of ask-sdk-core', async () => {
      const store = table.store();
      const user = newUser();
      const first = AttributesManagerFactory.init({
        requestEnvelope: envelopeFor(user),
        persistenceAdapter: store,
      });
      const attributes = await first.getPersistentAttributes();
      expect(attributes).toEqual({});
      attributes.progress = fullProgress;
      first.setPersistentAttributes(attributes);
      await first.savePersistentAttributes();
      // A second save in the same request must not conflict with the first.
      attributes.progress = { ...fullProgress, stepId: 'check_power' };
      await first.savePersistentAttributes();

      const next = AttributesManagerFactory.init({
        requestEnvelope: envelopeFor(user),
        persistenceAdapter: store,
      });
      expect(await next.getPersistentAttributes()).toMatchObject({
        version: 2,
        progress: { stepId: 'check_power' },
      });
      // Optional in the AttributesManager type; ask-sdk-core 2.14 implements it.
      await next.deletePersistentAttributes!();
      expect(await store.load(user)).toBeUndefined();
    });

    test('an envelope without a user id is rejected', async () => {
      const envelope = { version: '1.0', context: { System: {} } } as unknown as RequestEnvelope;
      await expect(table.store().getAttributes(envelope)).rejects.toBeInstanceOf(TypeError);
    });
  });

  test('operation counter: one request per call', async () => {
    const seen: StoreOperation[] = [];
    const store = table.store({ onOperation: (op) => seen.push(op) });
    const user = newUser();
    // A session: one read, then one write per turn that changed progress.
    const loaded = await store.load(user);
    const s1 = await store.save(user, minimalProgress, loaded?.version ?? 0);
    await store.save(user, fullProgress, s1.version);
    await store.delete(user);
    expect(seen).toEqual(['load', 'save', 'save', 'delete']);
    expect(store.operationCounts()).toEqual({ load: 1, save: 2, delete: 1 });
  });
});

describe('a failing backend surfaces as StoreUnavailableError', () => {
  async function expectUnavailable(store: DynamoProgressStore, logger: { lines: string[] }): Promise<void> {
    const user = newUser();
    for (const call of [
      () => store.load(user),
      () => store.save(user, minimalProgress, 0),
      () => store.delete(user),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      const unavailable = error as StoreUnavailableError;
      expect(unavailable.cause).toBeDefined();
      expect(unavailable.message).not.toContain(user);
      expect(String(unavailable.stack)).not.toContain(user);
    }
    expect(store.operationCounts()).toEqual({ load: 1, save: 1, delete: 1 });
    expect(logger.lines.join('\n')).not.toContain(USER);
    expect(logger.lines.filter((l) => l.startsWith('error'))).toHaveLength(3);
  }

  test('connection refused (nothing listening), default client settings', async () => {
    const client = createDynamoClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });
    const logger = capturingLogger();
    try {
      await expectUnavailable(new DynamoProgressStore({ client, tableName: 'nowhere', logger }), logger);
    } finally {
      client.destroy();
    }
  });

  describe('a server that accepts connections and never answers', () => {
    let server: net.Server;
    const sockets = new Set<net.Socket>();
    let endpoint: string;
    beforeAll(async () => {
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    });

    test('default client and budget', async () => {
      const client = createDynamoClient({ region: 'us-east-1', endpoint });
      const logger = capturingLogger();
      try {
        await expectUnavailable(new DynamoProgressStore({ client, tableName: 'hang', logger }), logger);
      } finally {
        client.destroy();
      }
    });

    test('the call budget wins over slack client timeouts', async () => {
      const client = createDynamoClient({
        region: 'us-east-1',
        endpoint,
        timeouts: { connectionTimeoutMs: 60000, requestTimeoutMs: 60000 },
      });
      const store = new DynamoProgressStore({
        client,
        tableName: 'hang',
        callBudgetMs: 200,
        logger: capturingLogger(),
      });
      try {
        const error = await store.load(newUser()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).cause).toBeInstanceOf(StoreDeadlineError);
      } finally {
        client.destroy();
      }
    });
  });

  describe('throttling', () => {
    // Answers the first `throttleNext` requests with a throttling error, forwards the rest to dynalite.
    let server: http.Server;
    let endpoint: string;
    let throttleNext = 0;
    let requests = 0;
    beforeAll(async () => {
      const target = new URL(testEndpoint());
      server = http.createServer((req, res) => {
        requests += 1;
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (throttleNext > 0) {
            throttleNext -= 1;
            res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(
              JSON.stringify({
                __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
                message: 'Rate exceeded',
              }),
            );
            return;
          }
          const upstream = http.request(
            {
              host: target.hostname,
              port: target.port,
              method: req.method,
              path: req.url,
              headers: req.headers,
            },
            (up) => {
              res.writeHead(up.statusCode ?? 500, up.headers);
              up.pipe(res);
            },
          );
          upstream.on('error', () => res.destroy());
          upstream.end(Buffer.concat(chunks));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    test('is retried by the SDK within the budget', async () => {
      const client = createDynamoClient({ region: 'us-east-1', endpoint });
      const store = new DynamoProgressStore({
        client,
        tableName: table.tableName,
        callBudgetMs: 10000,
        logger: capturingLogger(),
      });
      try {
        const user = newUser();
        throttleNext = 1;
        requests = 0;
        const saved = await store.save(user, fullProgress, 0);
        expect(requests).toBe(2);
        expect(store.operationCounts().save).toBe(1);
        expect(await table.store().load(user)).toEqual(saved);
      } finally {
        client.destroy();
      }
    });

    test('that persists becomes StoreUnavailableError', async () => {
      const client = createDynamoClient({ region: 'us-east-1', endpoint });
      const logger = capturingLogger();
      try {
        throttleNext = Number.MAX_SAFE_INTEGER;
        await expectUnavailable(
          new DynamoProgressStore({ client, tableName: table.tableName, logger }),
          logger,
        );
      } finally {
        throttleNext = 0;
        client.destroy();
      }
    });
  });
});
