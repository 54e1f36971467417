import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { plugin } from '../scripts/codegen-resolver-map';

/**
 * The resolver map is generated from the resolver files (npm run codegen); these check that the
 * generator refuses a tree that does not match the schema instead of serving a partial map.
 */
const schema = buildSchema(/* GraphQL */ `
  type Query { a: Int, b: Thing }
  type Mutation { doIt: Int }
  type Thing { id: ID }
`);

let root: string;
const write = (file: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), 'export {};\n');
};
const generate = () => plugin(schema, [], { modulesDir: path.join(root, 'modules') }, { outputFile: path.join(root, 'generated', 'resolvers.ts') });

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'resolver-map-'));
  write('modules/one/resolvers/Query/a.ts');
  write('modules/two/resolvers/Query/b.ts');
  write('modules/two/resolvers/Mutation/doIt.ts');
  write('modules/two/resolvers/Thing.ts');
  write('modules/three/three.service.ts');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('a tree that matches the schema gives one import per file and the root maps checked for completeness', () => {
  const out = generate();
  expect(out).toContain("import { a } from '../modules/one/resolvers/Query/a';");
  expect(out).toContain("import { Thing } from '../modules/two/resolvers/Thing';");
  expect(out).toContain('  Query: {\n    a,\n    b,\n  } satisfies Required<QueryResolvers>,');
  expect(out).toContain('  Mutation: {\n    doIt,\n  } satisfies Required<MutationResolvers>,');
  expect(out).toContain('  Thing,\n');
});

test('a file for a field or type the schema lacks, a field without a file, a second file for one field, and stray files all fail, named together', () => {
  write('modules/one/resolvers/Query/gone.ts');
  write('modules/one/resolvers/Nothing.ts');
  write('modules/one/resolvers/Query/b.ts');
  write('modules/one/resolvers/helpers/x.ts');
  rmSync(path.join(root, 'modules/two/resolvers/Mutation/doIt.ts'));
  let message = '';
  try {
    generate();
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain('Query.gone is not in the schema');
  expect(message).toContain('Nothing is not an object, interface or union type of the schema');
  expect(message).toMatch(/Query\.b has two resolver files: .*modules\/one\/resolvers\/Query\/b\.ts and .*modules\/two\/resolvers\/Query\/b\.ts/);
  expect(message).toMatch(/modules\/one\/resolvers\/helpers: resolvers\/ holds/);
  expect(message).toContain('Mutation.doIt has no resolver file');
});
