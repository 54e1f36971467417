import { createLogger, RequestLogger } from '../src/observability/logging';

/** The per-request logger made lazily (src/observability/logging.ts): the same lines as a pino child, made only when one is written. */
function capture(level: 'warn' | 'info', countChildren = true) {
  const lines: Record<string, unknown>[] = [];
  const parent = createLogger(level, { write: (chunk: string) => void lines.push(JSON.parse(chunk)) });
  let children = 0;
  if (countChildren) {
    // An own property of the parent, which pino's children inherit: only for tests that make no grandchild.
    const child = parent.child.bind(parent);
    parent.child = ((...args: Parameters<typeof child>) => {
      children += 1;
      return child(...args);
    }) as typeof parent.child;
  }
  return { lines, parent, children: () => children };
}

test('a request that logs nothing at the level in force makes no child logger', () => {
  const { lines, parent, children } = capture('warn');
  const log = new RequestLogger(parent, { requestId: 'r-1' });
  log.info({ route: '/graphql' }, 'request completed');
  log.debug('detail');
  expect(log.isLevelEnabled('info')).toBe(false);
  expect(log.level).toBe('warn');
  expect(lines).toEqual([]);
  expect(children()).toBe(0);
});

test('a line at an enabled level is the child’s line: its bindings, the level label, redaction', () => {
  const { lines, parent, children } = capture('warn');
  const log = new RequestLogger(parent, { requestId: 'r-2' });
  log.error({ headers: { authorization: 'Bearer ss_secret_x' }, status: 500 }, 'request failed');
  log.warn('again');
  expect(children()).toBe(1);
  expect(lines).toEqual([
    expect.objectContaining({ level: 'error', requestId: 'r-2', service: 'repolink', status: 500, headers: { authorization: '[redacted]' }, msg: 'request failed' }),
    expect.objectContaining({ level: 'warn', requestId: 'r-2', msg: 'again' }),
  ]);
});

test('a child of the request logger and a level change carry the request’s bindings', () => {
  const { lines, parent } = capture('info', false);
  const log = new RequestLogger(parent, { requestId: 'r-3' });
  log.child({ component: 'sync' }).info('from a child');
  log.level = 'error';
  log.info('not written');
  expect(lines).toEqual([expect.objectContaining({ level: 'info', requestId: 'r-3', component: 'sync', msg: 'from a child' })]);
});
