import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Every SQL statement lives in its domain's store (`<domain>.store.ts`) or in the data-access kit
 * (src/db/), never in a service, a resolver, the REST shim or the wiring. This reads every source
 * file under src/ with TypeScript's parser (comments never count) and reports:
 * - calls that run SQL or build it: `createQueryBuilder`, `getRepository`, `.execute(`, TypeORM's
 *   finders, the kit's `readRows` / `insertRows` / `lockOwnRow`, and `.query(` / `.insert(` /
 *   `.update(` / `.delete(` … on a database handle (`em`, `db`, `manager`, `dataSource`, a runner);
 * - string and template literals that hold a statement (`SELECT … FROM`, `INSERT INTO`,
 *   `UPDATE … SET`, `DELETE FROM`, `ON DUPLICATE KEY`).
 */
const SRC = path.resolve(__dirname, '..', 'src');

/** Files that may hold SQL besides the stores, and why. Keep it short. */
const ALLOWED: Record<string, string> = {
  'src/db/': 'the data-access kit (transactions, row reading, inserts, locks, pagination, scoped loaders) and the database plumbing (data source, replicas, Galera, the private instance)',
  'src/cli/galera/': 'boots the Galera nodes: creates their user and database before repolink runs',
};

const isStore = (file: string) => file.endsWith('.store.ts');
const allowed = (file: string) => isStore(file) || Object.keys(ALLOWED).some((prefix) => (prefix.endsWith('/') ? file.startsWith(prefix) : file === prefix));

/** The data-access kit's helpers (src/db/), called by name. */
const KIT_CALLS = new Set(['readRows', 'insertRows', 'lockOwnRow']);
/** Methods only TypeORM (and mysql2) have: SQL whatever they are called on. */
const SQL_METHODS = new Set(['createQueryBuilder', 'getRepository', 'getTreeRepository', 'execute', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail', 'findBy', 'findAndCount', 'existsBy', 'countBy']);
/** Called on a database handle, these run SQL too (`em.query(…)`, `ctx.db.update(…)`, `dataSource.query(…)`). */
const HANDLE_METHODS = new Set(['query', 'insert', 'update', 'upsert', 'delete', 'softDelete', 'save', 'remove', 'find', 'count', 'exists', 'increment', 'decrement']);
const HANDLE = /(^|\.)(em|db|manager|dataSource|queryRunner|runner|connection|repo|repository)$/;
/** A statement in a literal. Prose ("select the project from the list") has no column list before its FROM. */
const STATEMENT =
  /\bselect\s+(\*|[\w`.()*]+(\s+as\s+\w+)?(\s*,\s*[\w`.()*]+(\s+as\s+\w+)?)*)\s+from\s+[`\w]+|\binsert\s+into\b|\bupdate\s+`?\w+`?(\s+\w+)?\s+set\b|\bdelete\s+from\b|\bon\s+duplicate\s+key\b|\breplace\s+into\b/i;

export interface Finding {
  file: string;
  line: number;
  what: string;
}

/** What in one file's source runs or holds SQL. */
export function sqlIn(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const add = (node: ts.Node, what: string) => findings.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, what });
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee) && KIT_CALLS.has(callee.text)) add(node, `${callee.text}(…)`);
      if (ts.isPropertyAccessExpression(callee)) {
        const name = callee.name.text;
        const receiver = callee.expression.getText(source).replace(/\s+/g, '');
        if (SQL_METHODS.has(name) || KIT_CALLS.has(name)) add(node, `.${name}(…)`);
        else if (HANDLE_METHODS.has(name) && HANDLE.test(receiver)) add(node, `${receiver}.${name}(…)`);
      }
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const literal = ts.isTemplateExpression(node) ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ? ') : node.text;
      if (STATEMENT.test(literal)) add(node, `a statement in a string: ${JSON.stringify(literal.replace(/\s+/g, ' ').slice(0, 60))}`);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const relative = (file: string) => path.relative(path.resolve(SRC, '..'), file).split(path.sep).join('/');

describe('SQL lives in stores (and the data-access kit) only', () => {
  test('no service, resolver, route or wiring file holds or runs a statement', () => {
    const findings = sourceFiles(SRC)
      .map(relative)
      .filter((file) => !allowed(file))
      .flatMap((file) => sqlIn(file, readFileSync(path.resolve(SRC, '..', file), 'utf8')));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.what}`)).toEqual([]);
  });

  test('the stores exist where the layout says, and the allow-list names only files that are there', () => {
    const files = sourceFiles(SRC).map(relative);
    const stores = files.filter(isStore);
    for (const domain of ['auth/auth', 'tenancy/tenancy', 'tenancy/project-counters', 'repositories/repository', 'repo-connections/repo-connection', 'service-mappings/service-mapping', 'sync/sync-job', 'rate-limit/rate-limit']) {
      expect(stores).toContain(`src/modules/${domain}.store.ts`);
    }
    for (const entry of Object.keys(ALLOWED)) expect(files.some((f) => (entry.endsWith('/') ? f.startsWith(entry) : f === entry))).toBe(true);
    // The scan recognises what the stores really hold (so its silence elsewhere means something).
    for (const store of stores) expect({ store, found: sqlIn(store, readFileSync(path.resolve(SRC, '..', store), 'utf8')).length > 0 }).toEqual({ store, found: true });
  });

  test('the scan finds a statement put in a service, in each form, and not in comments or prose', () => {
    const service = `
      import type { RequestScope } from '../../request-scope';
      // SELECT id FROM repositories: a comment is not a statement
      export class WidgetService {
        async a(ctx: RequestScope) { return ctx.db.query('SELECT id FROM widgets WHERE project_id = ?', [1]); }
        async b(ctx: RequestScope) { return ctx.db.getRepository(Widget).findOneBy({ id: '1' }); }
        async c(em: EntityManager) { await em.createQueryBuilder().update(Widget).set({ a: 1 }).execute(); }
        async d(em: EntityManager, t: string) { await em.update(Widget, { id: '1' }, { a: 1 }); return \`DELETE FROM \${t} WHERE id = ?\`; }
        async e(em: EntityManager) { return readRows(em, sql, []); }
        async f(ctx: RequestScope) { return this.dataSource.manager.query('select r.id, r.path as p from repositories r'); }
        message() { return 'Select the project from the list, then update its settings'; }
      }`;
    expect(sqlIn('src/modules/widgets/widget.service.ts', service).map((f) => `${f.line} ${f.what.replace(/:.*/, '')}`)).toEqual([
      '5 ctx.db.query(…)',
      '5 a statement in a string',
      '6 .findOneBy(…)',
      '6 .getRepository(…)',
      '7 .execute(…)',
      '7 .createQueryBuilder(…)',
      '8 em.update(…)',
      '8 a statement in a string',
      '9 readRows(…)',
      '10 this.dataSource.manager.query(…)',
      '10 a statement in a string',
    ]);
  });
});
