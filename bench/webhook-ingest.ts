/**
 * The webhook ingestion scenario of `npm run bench` (issue 19): what both servers are sent, the
 * baseline's handler, and the million processed deliveries the "big" stage is measured over.
 *
 * - Requests: signed GitHub App `push` deliveries (the documented example body, as
 *   test/support/fake-hosts/webhooks.ts builds it, ~3 KB) POSTed to `/webhooks/github`, each with a
 *   fresh `X-GitHub-Delivery` (not signed, as a host's deliveries differ), to repolink (the GitHub
 *   App registered through its environment: `benchApp().env`) and to the baseline.
 * - The baseline (`webhookIngestHandler`, served by bench/baseline-server.ts on its pool): bare
 *   `node:http` + `mysql2` doing the same work: read the raw body (25 MB limit), verify
 *   `X-Hub-Signature-256` (HMAC-SHA256, constant-time) with the app's secret held in memory
 *   (repolink keeps opened secrets for 5 s, so it does not read them per request either), read the
 *   JSON's installation and repository, gzip the body (level 1), and send the very INSERT repolink
 *   sends (`WEBHOOK_BASELINE_INSERT` equals the store's statement; autocommit), answering 202
 *   `{"status":"queued"}` (200 `{"status":"duplicate"}` when the de-duplication key refuses it).
 *   test/webhooks-bench.test.ts holds it to repolink's answers and rows, so it cannot do less.
 * - `seedProcessedDeliveries`: the table as a week of ingestion and processing leaves it, written
 *   between the "fresh" (empty table) and the "big" stage.
 */
import { createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { constants, gzipSync } from 'node:zlib';
import type { Connection, Pool } from 'mysql2/promise';
import { uuidv7 } from '../src/lib/ids';
import { githubEvents } from '../test/support/fake-hosts/webhooks';

export const WEBHOOK_BENCH = {
  /** Processed deliveries in the table before the "big" stage. */
  processedRows: 1_000_000,
  targets: { throughputVsBaseline: 0.8, p99VsBaseline: 2, bigVsFresh: 0.83 },
} as const;

/** The bench's GitHub App: what repolink gets in its environment, and what the baseline and the load generator know. */
export interface BenchApp {
  githubAppId: number;
  webhookSecret: string;
  /** REPOLINK_GITHUB_APP_* for repolink's process (it registers the app, sealed, at start); the baseline reads the same. */
  env: Record<string, string>;
}

export function benchApp(privateKeyPem: string): BenchApp {
  const githubAppId = 424242;
  const webhookSecret = randomBytes(24).toString('hex');
  return {
    githubAppId,
    webhookSecret,
    env: {
      REPOLINK_GITHUB_APP_ID: String(githubAppId),
      REPOLINK_GITHUB_APP_SLUG: 'repolink-bench',
      REPOLINK_GITHUB_APP_CLIENT_ID: 'Iv1.benchbenchbench',
      REPOLINK_GITHUB_APP_CLIENT_SECRET: randomBytes(20).toString('hex'),
      REPOLINK_GITHUB_APP_PRIVATE_KEY: privateKeyPem,
      REPOLINK_GITHUB_APP_WEBHOOK_SECRET: webhookSecret,
    },
  };
}

export interface PushDelivery {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** One signed push delivery; only `X-GitHub-Delivery` changes per request (it is not signed), as a host's deliveries differ. */
export function pushDelivery(app: Pick<BenchApp, 'githubAppId' | 'webhookSecret'>): PushDelivery {
  const event = githubEvents.push({ repo: { id: 1296269, owner: 'acme', name: 'api', defaultBranch: 'main' }, after: randomBytes(20).toString('hex'), installationId: 4242 });
  const body = JSON.stringify(event.payload);
  return {
    path: '/webhooks/github',
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/bench',
      'x-github-event': 'push',
      'x-github-hook-id': '292430182',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(app.githubAppId),
      'x-hub-signature-256': `sha256=${createHmac('sha256', app.webhookSecret).update(body).digest('hex')}`,
    },
  };
}

/** One round trip's request (autocannon's request shape): the fixed delivery with a fresh delivery id. */
export function ingestRequest(delivery: PushDelivery): { method: 'POST'; path: string; headers: Record<string, string>; body: string } {
  return { method: 'POST', path: delivery.path, headers: { ...delivery.headers, 'x-github-delivery': randomUUID() }, body: delivery.body };
}

export const verifyIngestAnswer = (status: number, body: string): boolean => status === 202 && body === '{"status":"queued"}';

// ---- the baseline ---------------------------------------------------------------------------------

export interface WebhookBaselineOptions {
  /** The app's numeric id and webhook secret, as repolink's environment has them. */
  githubAppId: number | string;
  webhookSecret: string;
  /** The id repolink gave the registered app (`app_…`): deliveries are recorded under it. */
  appRowId: string;
  bodyLimitBytes?: number;
}

/** repolink's statement (src/modules/webhooks/webhook.store.ts INSERT_DELIVERY_SQL), byte for byte: test/webhooks-bench.test.ts compares them. */
export const WEBHOOK_BASELINE_INSERT = `INSERT INTO webhook_deliveries (source_id, installation_key, id, delivery_key, host, event, action, repository_host_id,
  repository_full_name, received_at, status, outcome, body_bytes, body_gzip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const reply = (res: http.ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

const scalar = (value: unknown, max: number): string | null =>
  typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;

/** The baseline's `POST /webhooks/github`: reads the body itself (the signature is over its raw bytes). */
export function webhookIngestHandler(pool: Pool, options: WebhookBaselineOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const limit = options.bodyLimitBytes ?? 25 * 1024 * 1024;
  const key = Buffer.from(options.webhookSecret, 'utf8');
  const target = String(options.githubAppId);
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) return reply(res, 413, `{"error":"Payload Too Large","limitBytes":${limit}}`);
      const body = Buffer.concat(chunks);
      const signature = /^sha256=([0-9a-f]{64})$/i.exec(String(req.headers['x-hub-signature-256'] ?? ''));
      const expected = createHmac('sha256', key).update(body).digest();
      if (req.headers['x-github-hook-installation-target-id'] !== target || !signature || !timingSafeEqual(expected, Buffer.from(signature[1], 'hex'))) {
        return reply(res, 401, '{"error":"Unauthorized"}');
      }
      let doc: Record<string, any> | null = null;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch {
        doc = null;
      }
      const now = Date.now();
      const params = [
        options.appRowId,
        scalar(doc?.installation?.id, 20) ?? '',
        uuidv7(now),
        String(req.headers['x-github-delivery']),
        'github',
        String(req.headers['x-github-event']),
        scalar(doc?.action, 64),
        scalar(doc?.repository?.id, 64),
        scalar(doc?.repository?.full_name, 512),
        new Date(now),
        'queued',
        null,
        body.length,
        gzipSync(body, { level: constants.Z_BEST_SPEED }),
      ];
      pool.query(WEBHOOK_BASELINE_INSERT, params).then(
        () => reply(res, 202, '{"status":"queued"}'),
        (error: { errno?: number }) => (error.errno === 1062 ? reply(res, 200, '{"status":"duplicate"}') : reply(res, 500, '{"error":"Internal Server Error"}')),
      );
    });
  };
}

// ---- the "big" table ------------------------------------------------------------------------------

/**
 * Fills webhook_deliveries with `count` processed deliveries as a week of ingestion and processing
 * leaves them (no body: processing drops it), spread over `sources` endpoints (the bench app among
 * them) and the last six days (inside the seven days' retention: the purge keeps them), in
 * multi-row INSERTs of 5,000, each its own transaction. Ids are UUIDv7 of their received time, as
 * the server makes them. Roughly 200 bytes a row plus the three indexes.
 */
export async function seedProcessedDeliveries(db: Connection, count: number, sources: readonly string[]): Promise<void> {
  const day = 86_400_000;
  const start = Date.now() - 6 * day;
  const step = (6 * day) / count;
  const batch = 5_000;
  for (let done = 0; done < count; done += batch) {
    const rows: unknown[][] = [];
    for (let i = done; i < Math.min(count, done + batch); i++) {
      const ms = Math.floor(start + i * step);
      const hex = `${ms.toString(16).padStart(12, '0')}7${randomBytes(10).toString('hex').slice(0, 19)}`;
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${'89ab'[randomInt(4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
      const at = new Date(ms);
      rows.push([sources[i % sources.length], String(1000 + (i % 500)), id, randomUUID(), 'github', 'push', null, String(1_000_000 + (i % 5000)), `acme/repo-${i % 5000}`, at, 'processed', 'Head commit stored', at, 3100]);
    }
    await db.query(
      `INSERT INTO webhook_deliveries (source_id, installation_key, id, delivery_key, host, event, action, repository_host_id, repository_full_name, received_at, status, outcome, processed_at, body_bytes) VALUES ?`,
      [rows],
    );
  }
}
