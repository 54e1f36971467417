import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLEnumType } from 'graphql';
import { enumValues } from '../src/enums';
import { resolvers } from '../src/resolvers';
import { loadTypeDefs } from '../src/server';
import { createAccount } from './support/factories';
import { rest } from './support/rest';
import { useTestServer } from './support/test-server';

const t = useTestServer();

test('the enum table names every value of its schema enums, and the server maps each to its stored value', () => {
  const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never });
  for (const [name, table] of Object.entries(enumValues)) {
    const type = schema.getType(name);
    expect(type).toBeInstanceOf(GraphQLEnumType);
    expect(Object.fromEntries((type as GraphQLEnumType).getValues().map((v) => [v.name, v.value]))).toEqual(table);
  }
});

test('the REST contracts take the documented lower-case values, and refuse anything else by its own name', async () => {
  const a = await createAccount(t.dataSource);
  const auth = { authorization: `Bearer ${a.apiKey}` };
  const created = await rest(t.url, 'POST', '/api/repos', { body: { name: 'e', source_type: 'git_url', remote_url: 'https://example.com/enum.git', issue_auto_create_min_severity: 'critical' }, headers: auth });
  expect(created.status).toBe(201);
  expect(created.body.data).toMatchObject({ source_type: 'git_url', issue_auto_create_min_severity: 'critical' });
  expect((await rest(t.url, 'GET', '/api/repos?source_type=git_url', { headers: auth })).body.data.map((r: { id: string }) => r.id)).toEqual([created.body.data.id]);
  expect((await rest(t.url, 'GET', '/v1/config/repos?platform=gitlab', { headers: auth })).status).toBe(200);

  // Names an object has of its own (`constructor`, `toString`) are not documented values either.
  const heimdall = await rest(t.url, 'POST', '/api/repos', { body: { name: 'e', source_type: 'constructor', remote_url: 'https://example.com/enum2.git' }, headers: auth });
  expect(heimdall.status).toBe(400);
  expect(heimdall.body.message).toBe('source_type: Value does not exist in "SourceType" enum.');
  const sigsentry = await rest(t.url, 'GET', '/v1/config/repos?platform=toString', { headers: auth });
  expect(sigsentry.status).toBe(400);
  expect(sigsentry.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'platform', message: expect.stringContaining('does not exist in "Platform" enum') }] });
});
