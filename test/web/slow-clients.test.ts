/**
 * Slow clients against the web service over real sockets (issue 11): a body or headers trickled at 3 bytes
 * a second are cut within about a second of their limit (Node's default check every 30 s let them live
 * ~30 s whatever the limit), the connection cap holds, and `/health` still answers while slow clients hold
 * every skill-request slot and keep opening connections. The skill is a stub: nothing here reaches it.
 */
import { SkillBuilders } from 'ask-sdk-core';
import { createServer, DEFAULT_MAX_CONNECTIONS } from '../../lambda/src/web/server';
import type { ServerLimits, WebServer } from '../../lambda/src/web/server';
import { send, trickle, until } from './http';
import type { Trickle } from './http';

/** Short limits keep the tests fast; the bound is about correctness (checked every second), not speed. */
const LIMIT_MS = 1500;
const SLACK_MS = 2500;

const servers: WebServer[] = [];
async function start(limits: Partial<ServerLimits>): Promise<{ web: WebServer; port: number }> {
  const skill = SkillBuilders.custom().create();
  const web = createServer({ skill, verifiers: [], insecureLocal: true, limits });
  servers.push(web);
  return { web, port: (await web.listen(0, '127.0.0.1')).port };
}

const open: Trickle[] = [];
function slow(...args: Parameters<typeof trickle>): Trickle {
  const client = trickle(...args);
  open.push(client);
  return client;
}

afterAll(async () => {
  for (const client of open) client.socket.destroy();
  await Promise.all(servers.map((web) => web.close({ graceMs: 0 })));
});

const postHead = (length: number) =>
  `POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('timeouts are enforced within about a second of their limit', () => {
  it('a body trickled at 3 bytes/s is cut (408) soon after requestTimeoutMs', async () => {
    const { port } = await start({ requestTimeoutMs: LIMIT_MS, headersTimeoutMs: LIMIT_MS });
    const { closed } = slow(port, postHead(1000), `{"x":"${'a'.repeat(990)}"}`);
    const { ms, response } = await closed;
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(LIMIT_MS - 50);
    expect(ms).toBeLessThan(LIMIT_MS + SLACK_MS);
  });

  it('headers trickled at 3 bytes/s are cut (408) soon after headersTimeoutMs', async () => {
    const { port } = await start({ requestTimeoutMs: 10_000, headersTimeoutMs: LIMIT_MS });
    const { closed } = slow(
      port,
      '',
      `POST / HTTP/1.1\r\nHost: test\r\nX-Padding: ${'a'.repeat(200)}\r\n\r\n`,
    );
    const { ms, response } = await closed;
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(LIMIT_MS - 50);
    expect(ms).toBeLessThan(LIMIT_MS + SLACK_MS);
  });

  it('has production defaults: 10 s request, 5 s headers, 256 connections, 240 skill requests', () => {
    const web = createServer({ skill: SkillBuilders.custom().create(), verifiers: [], insecureLocal: true });
    expect(web.server.requestTimeout).toBe(10_000);
    expect(web.server.headersTimeout).toBe(5_000);
    expect(web.server.maxConnections).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(DEFAULT_MAX_CONNECTIONS).toBe(256);
    expect(web.limits.maxSkillRequests).toBe(240);
    expect(web.limits.timeoutCheckIntervalMs).toBe(1000);
  });

  it('refuses limits that would leave no connection for /health', () => {
    const build = (limits: Partial<ServerLimits>) => () =>
      createServer({ skill: SkillBuilders.custom().create(), verifiers: [], insecureLocal: true, limits });
    expect(build({ maxConnections: 4, maxSkillRequests: 4 })).toThrow(/maxSkillRequests/);
    expect(build({ maxConnections: 1 })).toThrow(/maxConnections/);
    expect(build({ timeoutCheckIntervalMs: 0 })).toThrow(/timeoutCheckIntervalMs/);
  });
});

describe('connection cap under a slow-client flood', () => {
  const MAX_CONNECTIONS = 6;
  const MAX_SKILL_REQUESTS = 3;

  it('slow bodies get at most maxSkillRequests slots, header tricklers are displaced, /health answers', async () => {
    // Default 10 s timeouts: the slow clients must outlive the test.
    const { web, port } = await start({
      maxConnections: MAX_CONNECTIONS,
      maxSkillRequests: MAX_SKILL_REQUESTS,
    });
    const body = `{"x":"${'a'.repeat(990)}"}`;

    // Slow bodies take every skill-request slot.
    const bodies = Array.from({ length: MAX_SKILL_REQUESTS }, () => slow(port, postHead(1000), body));
    await until(() => web.inFlight() === MAX_SKILL_REQUESTS);

    // One more is refused at once, before its body is read, and frees its connection.
    const extra = await slow(port, postHead(1000), body).closed;
    expect(extra.response).toMatch(/^HTTP\/1\.1 503 /);
    expect(extra.response).toMatch(/"error":"busy"/);
    expect(extra.ms).toBeLessThan(1000);

    const health = await send(port, { method: 'GET', path: '/health' });
    expect(health.status).toBe(200);

    // A flood of connections trickling headers, one every 10 ms, while /health is asked repeatedly. At the
    // cap each newcomer displaces the one that has waited longest without a request; the server never
    // holds more than the cap.
    let peak = 0;
    const flood: Trickle[] = [];
    const opener = setInterval(() => {
      flood.push(slow(port, 'GET /health HTTP/1.1\r\n', `Host: test\r\nX-Padding: ${'a'.repeat(200)}\r\n`));
      peak = Math.max(peak, web.connections());
    }, 10);
    const answers: number[] = [];
    try {
      await until(() => flood.length >= 10);
      for (let i = 0; i < 10; i += 1) {
        answers.push((await send(port, { method: 'GET', path: '/health' })).status);
        peak = Math.max(peak, web.connections());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      clearInterval(opener);
    }
    expect(answers).toEqual(Array(10).fill(200));
    expect(peak).toBeLessThanOrEqual(MAX_CONNECTIONS);

    // Most of the flood was closed by the server; the slow bodies (requests in progress) were not.
    const displaced = flood.filter((client) => client.socket.destroyed).length;
    expect(displaced).toBeGreaterThanOrEqual(flood.length - MAX_CONNECTIONS);
    expect(bodies.every((client) => !client.socket.destroyed)).toBe(true);
    expect(web.inFlight()).toBe(MAX_SKILL_REQUESTS);
  });
});
