import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import { describeRequest, registerRequestInfo } from './request-info';

/** The parts of mysql2's pool we read (its queues are not public API, hence every guard below). */
interface Mysql2Pool {
  config?: { connectionLimit?: number };
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

export interface PoolUsage {
  max: number | null;
  total: number;
  free: number;
  queued: number;
}

/** TypeORM 1.x's MysqlDriver keeps its mysql2 pool on `driver.pool` (absent before initialize, after destroy, and with replication). */
export function poolUsage(dataSource: DataSource): PoolUsage | null {
  const pool = (dataSource.driver as unknown as { pool?: Mysql2Pool }).pool;
  if (!pool || typeof pool._allConnections?.length !== 'number') return null;
  return {
    max: pool.config?.connectionLimit ?? null,
    total: pool._allConnections.length,
    free: pool._freeConnections?.length ?? 0,
    queued: pool._connectionQueue?.length ?? 0,
  };
}

/**
 * Operation names come from clients; each distinct one is a new time series. Past this many, the
 * rest are counted as `other`, so a client cannot grow the registry without bound.
 */
export const MAX_OPERATION_LABELS = 100;

/** A registry of its own per server (several servers share one test process), served at GET /metrics. */
export function registerMetrics(app: FastifyInstance, dataSource: DataSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'operation', 'outcome'] as const;
  const requests = new Counter({
    name: 'repolink_http_requests_total',
    help: 'HTTP requests by route, GraphQL operation and outcome (GraphQL error code, else status class)',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'repolink_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route, GraphQL operation and outcome',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'repolink_db_pool_connections',
    help: 'Open database pool connections: total, free (idle in the pool) and in_use',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const usage = poolUsage(dataSource);
      if (!usage) return;
      this.set({ state: 'total' }, usage.total);
      this.set({ state: 'free' }, usage.free);
      this.set({ state: 'in_use' }, usage.total - usage.free);
    },
  });
  new Gauge({
    name: 'repolink_db_pool_max_connections',
    help: 'Largest number of connections the database pool opens',
    registers: [registry],
    collect() {
      const max = poolUsage(dataSource)?.max;
      if (typeof max === 'number') this.set(max);
    },
  });
  new Gauge({
    name: 'repolink_db_pool_queued_requests',
    help: 'Requests waiting for a free database connection',
    registers: [registry],
    collect() {
      const usage = poolUsage(dataSource);
      if (usage) this.set(usage.queued);
    },
  });

  const operations = new Set<string>();
  const operationLabel = (name: string | null): string => {
    if (name === null) return '';
    if (operations.has(name)) return name;
    if (operations.size >= MAX_OPERATION_LABELS) return 'other';
    operations.add(name);
    return name;
  };

  registerRequestInfo(app);
  app.addHook('onResponse', (request, reply, done) => {
    const info = describeRequest(request, reply);
    const labels = { method: info.method, route: info.route, operation: operationLabel(info.operation), outcome: info.outcome };
    requests.inc(labels);
    duration.observe(labels, info.durationMs / 1000);
    done();
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(body);
  });
  return registry;
}
