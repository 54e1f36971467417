import net from 'node:net';
import { useTestServer } from './support/test-server';

/**
 * A client still sending a body over the limit must read the 413 answer, not a reset connection:
 * the server discards the rest of the body (up to a bound) before it answers and closes.
 */
describe('oversize bodies get a readable 413', () => {
  const t = useTestServer();
  const big = 'x'.repeat(3 * 1024 * 1024);

  async function send(path: string, i: number): Promise<{ status: number; body: any } | { failed: string }> {
    try {
      const body = path === '/graphql' ? JSON.stringify({ query: '{ __typename }', variables: { pad: big } }) : JSON.stringify({ platform: 'github', repositories: [`acme/r${i}`], pad: big });
      const response = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.apiKey}` },
        body,
      });
      return { status: response.status, body: await response.json() };
    } catch (error) {
      return { failed: String((error as Error).cause ?? error) };
    }
  }

  test('50 concurrent 3 MB bodies to /graphql and /v1/config/repos, among other traffic, all get the 413 envelope', async () => {
    const other = Array.from({ length: 20 }, () => t.gql('{ __typename }'));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => send(i % 2 === 0 ? '/graphql' : '/v1/config/repos', i)));
    const failed = results.filter((r) => 'failed' in r);
    expect(failed).toEqual([]);
    results.forEach((r, i) => {
      const answer = r as { status: number; body: any };
      expect(answer.status).toBe(413);
      if (i % 2 === 0) expect(answer.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      else expect(answer.body).toEqual({ success: false, error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
    });
    for (const r of await Promise.all(other)) expect(r.status).toBe(200);
  });

  /** A client that sends a 3 MB body in 64 KiB pieces and reads whatever comes back until the server closes. */
  function slowSender(path: string): Promise<{ head: string; error: string | null; sent: number }> {
    const { port } = new URL(t.url);
    return new Promise((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      const total = 3 * 1024 * 1024;
      const piece = Buffer.alloc(64 * 1024, 'x');
      let received = '';
      let error: string | null = null;
      let sent = 0;
      socket.on('data', (d) => (received += d));
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on('close', () => resolve({ head: received.split('\r\n\r\n')[0], error, sent }));
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
      const next = () => {
        if (socket.destroyed || sent >= total) return;
        socket.write(piece);
        sent += piece.length;
        setTimeout(next, 2);
      };
      next();
      setTimeout(() => socket.destroy(), 15_000).unref();
    });
  }

  test('a client still sending its body when the limit is passed reads the 413, not a reset', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => slowSender(i % 2 ? '/v1/config/repos' : '/graphql')));
    for (const r of results) {
      expect(r.error).toBeNull();
      expect(r.head).toMatch(/^HTTP\/1\.1 413 /);
      expect(r.head.toLowerCase()).toContain('connection: close');
      expect(r.sent).toBe(3 * 1024 * 1024);
    }
  });

  test('the connection is closed after a 413, and the next request on a new one works', async () => {
    const response = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: big }) });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    await response.text();
    expect((await t.gql('{ __typename }')).status).toBe(200);
  });
});
