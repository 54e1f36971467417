// A frontend's use of @repolink/client, compiled and run against a live server by test/client.test.ts.
import { ConnectReposDocument, createClient, RepoConnectionsDocument, ViewerDocument, type ConnectReposInput } from '@repolink/client';

export async function run({ url, apiKey }: { url: string; apiKey: string }) {
  // Connect: the API key goes out as `Authorization: Bearer`.
  const client = createClient({ url, apiKey });
  const { viewer } = await client.query(ViewerDocument);

  // Three connections. `idempotent: true` sends one Idempotency-Key per call, reused if the call is retried.
  const credentials = { token: 'ghp_example_token' };
  for (const repo of ['acme/web', 'acme/api', 'acme/worker']) {
    const { repoConnection, userErrors } = await client.mutate(ConnectReposDocument, { input: { platform: 'GITHUB', credentials, repositories: [repo] } }, { idempotent: true });
    if (!repoConnection) throw new Error(userErrors.map((e) => e.message).join('; '));
  }

  // Resolve a UserError: acme/web is connected already, so the server answers CONFLICT naming
  // `repositories[0]`; drop the repositories it names and send the rest again.
  let input: ConnectReposInput = { platform: 'GITHUB', credentials, repositories: ['acme/web', 'acme/docs'] };
  const first = await client.mutate(ConnectReposDocument, { input }, { idempotent: true });
  const conflicts = first.userErrors.filter((e) => e.code === 'CONFLICT' && e.field?.[0] === 'repositories');
  const taken = new Set(conflicts.map((e) => Number(e.field?.[1])));
  input = { ...input, repositories: input.repositories.filter((_, i) => !taken.has(i)) };
  const second = await client.mutate(ConnectReposDocument, { input }, { idempotent: true });

  // List every connection, two per page, to the end.
  const listed: string[] = [];
  for await (const connection of client.paginate(RepoConnectionsDocument, { first: 2 }, (data) => data.repoConnections)) {
    listed.push(...connection.repositories.map((r) => r.path));
  }

  return {
    viewerKind: viewer?.kind ?? null,
    userError: { code: conflicts[0]?.code ?? null, field: conflicts[0]?.field ?? null, connectedFirstTry: first.repoConnection !== null },
    resolved: second.repoConnection?.repositories.map((r) => r.path) ?? second.userErrors,
    listed,
  };
}
