import type { FakeHosts } from './fake-hosts';
import type { TestServer } from './test-server';

const START = `mutation($input: StartCodeHostAuthorizationInput!) { startCodeHostAuthorization(input: $input) { authorizationUrl userErrors { code field message } } }`;

/**
 * A person's browser finishing a code-host flow: follows the redirects between the fakes and
 * repolink (the fakes' consent and installation pages answer for whoever `signIn` named) and stops
 * at the first address outside both — the return URL — whose query it answers.
 */
export async function connectAccount(t: TestServer, fake: FakeHosts, input: Record<string, unknown>, key = t.apiKey): Promise<Record<string, string>> {
  const started = await t.gql(START, { input }, { authorization: `Bearer ${key}` });
  const { authorizationUrl, userErrors } = started.body.data.startCodeHostAuthorization;
  if (userErrors.length > 0) throw new Error(`startCodeHostAuthorization refused: ${JSON.stringify(userErrors)}`);
  let current = authorizationUrl as string;
  for (let hops = 0; hops < 8; hops++) {
    if (!current.startsWith(fake.url) && !current.startsWith(t.url)) return Object.fromEntries(new URL(current).searchParams);
    const res = await fetch(current, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) throw new Error(`the flow stopped at ${res.status} ${current.slice(0, 80)}: ${(await res.text()).slice(0, 200)}`);
    current = new URL(location, current).toString();
  }
  throw new Error('too many redirects');
}
