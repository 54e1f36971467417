import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { loadTypeDefs } from '../src/server';
import * as client from '../client/src';
import { ROOT } from './support/build';

/**
 * The client has a typed document for every root field of the schema: a field added to
 * schema/*.graphql fails here until client/src/operations.graphql asks for it (and `npm run codegen`
 * has typed it, which `codegen --check` in `npm test` enforces).
 */
const schema = buildSchema(loadTypeDefs());
const operations = parse(readFileSync(path.join(ROOT, 'client', 'src', 'operations.graphql'), 'utf8'))
  .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

const covered = (kind: 'query' | 'mutation') =>
  new Set(operations.filter((o) => o.operation === kind).flatMap((o) => o.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []))));

test.each([
  ['query', schema.getQueryType()!],
  ['mutation', schema.getMutationType()!],
] as const)('every root %s field has an operation in client/src/operations.graphql', (kind, type) => {
  const missing = Object.keys(type.getFields()).filter((field) => !covered(kind).has(field));
  expect(missing).toEqual([]);
});

test('each operation is exported by the client as a typed document of the same name', () => {
  expect(operations.length).toBeGreaterThanOrEqual(21);
  for (const operation of operations) {
    const document = (client as Record<string, unknown>)[`${operation.name!.value}Document`] as { definitions: { kind: string; name?: { value: string } }[] } | undefined;
    expect([operation.name!.value, document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)?.name?.value]).toEqual([operation.name!.value, operation.name!.value]);
  }
});

test('each mutation selects its payload with userErrors { code field message }', () => {
  for (const operation of operations.filter((o) => o.operation === 'mutation')) {
    expect(operation.selectionSet.selections).toHaveLength(1);
    const text = readFileSync(path.join(ROOT, 'client', 'src', 'operations.graphql'), 'utf8');
    expect(text).toMatch(new RegExp(`mutation ${operation.name!.value}\\b[^\\n]*\\n[^\\n]*userErrors \\{ \\.\\.\\.UserErrorFields \\}`));
  }
});
