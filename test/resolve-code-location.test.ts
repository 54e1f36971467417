import { checkStackRoots, resolveFramePath, rootsOverlap, specificity } from '../src/modules/service-mappings/stack-roots';
import { useTestServer } from './support/test-server';

const server = useTestServer();

const CONNECT = /* GraphQL */ `
  mutation Connect($input: ConnectReposInput!) {
    connectRepos(input: $input) { repoConnection { id repositories { id path } } userErrors { code field message } }
  }
`;
const CREATE_MAPPING = /* GraphQL */ `
  mutation Create($input: CreateServiceMappingInput!) {
    createServiceMapping(input: $input) { serviceMapping { id serviceName stackRoots { stackRoot sourceRoot } } userErrors { code field message } }
  }
`;
const UPDATE_MAPPING = /* GraphQL */ `
  mutation Update($input: UpdateServiceMappingInput!) {
    updateServiceMapping(input: $input) { serviceMapping { id stackRoots { stackRoot sourceRoot } } userErrors { code field message } }
  }
`;
const RESOLVE = /* GraphQL */ `
  query Resolve($serviceName: String!, $path: String!, $line: Int) {
    resolveCodeLocation(serviceName: $serviceName, path: $path, line: $line) {
      matched reason path branch line webUrl
      serviceMapping { id serviceName }
      stackRoot { stackRoot sourceRoot }
      repository { id path }
    }
  }
`;

const RESOLVE_AT = /* GraphQL */ `
  query ResolveAt($serviceName: String!, $path: String!, $line: Int, $commit: String) {
    resolveCodeLocation(serviceName: $serviceName, path: $path, line: $line, commit: $commit) { matched reason path branch commit line webUrl }
  }
`;

let n = 0;
const name = (label: string) => `${label}-${Date.now()}-${++n}`;

async function repository(platform: string, path: string, baseUrl?: string): Promise<string> {
  const credentials = platform === 'BITBUCKET' ? { username: 'u', appPassword: 'app-password-1234' } : { token: 'token-not-used-1234' };
  const res = await server.gql(CONNECT, { input: { platform, credentials, baseUrl, repositories: [path] } });
  expect(res.body.data.connectRepos.userErrors).toEqual([]);
  return res.body.data.connectRepos.repoConnection.repositories[0].id;
}

async function mapping(repositoryId: string, stackRoots: { stackRoot: string; sourceRoot: string }[] | undefined, extra: Record<string, unknown> = {}) {
  const serviceName = name('svc');
  const res = await server.gql(CREATE_MAPPING, { input: { serviceName, repositoryId, pathPrefix: '', defaultBranch: 'main', stackRoots, ...extra } });
  return { serviceName, payload: res.body.data.createServiceMapping };
}

describe('stack roots (pure rules)', () => {
  it('a glob root maps a deep frame path; the most specific of several matching roots wins', () => {
    expect(resolveFramePath('/app/services/api/src/handlers/user.ts', [{ stackRoot: '/app/**/src/', sourceRoot: 'src/' }], '')).toMatchObject({ path: 'src/handlers/user.ts' });
    const roots = [
      { stackRoot: '/app/**/src/', sourceRoot: 'src/' },
      { stackRoot: '/app/services/api/', sourceRoot: 'services/api' },
      { stackRoot: '/app/', sourceRoot: '' },
    ];
    const found = resolveFramePath('/app/services/api/src/handlers/user.ts', roots, '');
    expect(found).toMatchObject({ root: roots[1], path: 'services/api/src/handlers/user.ts' });
    expect(found.reason).toMatch(/more specific than the 2 other matching roots/);
    expect(resolveFramePath('/srv/x.ts', roots, '')).toMatchObject({ path: null, reason: expect.stringMatching(/No stack root/) });
  });

  it('reads Windows separators as "/" and drops "." segments and doubled separators of a frame path', () => {
    const windows = [{ stackRoot: 'C:/inetpub/app/', sourceRoot: 'src/' }];
    expect(resolveFramePath('C:\\inetpub\\app\\Controllers\\Home.cs', windows, '')).toMatchObject({ root: windows[0], path: 'src/Controllers/Home.cs' });
    const relative = [{ stackRoot: 'app/', sourceRoot: 'lib/' }];
    expect(resolveFramePath('./app/models/user.rb', relative, '')).toMatchObject({ root: relative[0], path: 'lib/models/user.rb' });
    expect(resolveFramePath('/app/./services//api/src/x.ts', [{ stackRoot: '/app/**/src/', sourceRoot: 'src/' }], '')).toMatchObject({ path: 'src/x.ts' });
    expect(resolveFramePath('/app/src/../lib/x.ts', [{ stackRoot: '/app/', sourceRoot: '' }], '')).toMatchObject({ path: 'lib/x.ts' });
    expect(resolveFramePath('/app/../../etc/passwd', [{ stackRoot: '/app/', sourceRoot: '' }], '')).toMatchObject({ path: null, reason: expect.stringMatching(/No stack root/) });
    expect(resolveFramePath('../outside/x.ts', [], 'services/billing')).toMatchObject({ path: null, reason: expect.stringMatching(/climbs out/) });
    // Without roots the same normalisation applies before pathPrefix.
    expect(resolveFramePath('.\\handlers\\pay.go', [], 'services/billing')).toMatchObject({ path: 'services/billing/handlers/pay.go' });
    // Roots are read the same way, so two spellings of one root are a tie, refused at write time.
    expect(checkStackRoots([{ stackRoot: 'webpack:///./', sourceRoot: 'web/' }, { stackRoot: 'webpack:/', sourceRoot: 'app/' }])).toEqual([
      expect.objectContaining({ field: ['stackRoots', '1', 'stackRoot'], message: expect.stringMatching(/equally specific/) }),
    ]);
    expect(checkStackRoots([{ stackRoot: 'C:\\inetpub\\app\\', sourceRoot: '' }])).toEqual([
      expect.objectContaining({ field: ['stackRoots', '0', 'stackRoot'], message: expect.stringMatching(/C:\/app\//) }),
    ]);
  });

  it('judges specificity and overlap', () => {
    expect(specificity('/app/**/src/')).toEqual([3, 6]); // '', 'app', 'src'
    expect(rootsOverlap('/app/a/', '/app/b/')).toBe(false);
    expect(rootsOverlap('/app/*/src/', '/app/x*/src/')).toBe(true);
    expect(rootsOverlap('/app/**/src/', '/app/lib/src/')).toBe(true);
    expect(rootsOverlap('/a/**/b/', '/c/**/b/')).toBe(false);
    expect(rootsOverlap('/app/*/src/', '/app/src/*/')).toBe(true);
  });

  it('refuses ties and malformed roots, accepts equally specific roots that never meet', () => {
    expect(checkStackRoots([{ stackRoot: '/app/*/src/', sourceRoot: 'src' }, { stackRoot: '/app/src/*/', sourceRoot: 'lib' }])).toEqual([
      expect.objectContaining({ field: ['stackRoots', '1', 'stackRoot'], message: expect.stringMatching(/equally specific/) }),
    ]);
    expect(checkStackRoots([{ stackRoot: '/app/a/', sourceRoot: 'src' }, { stackRoot: '/app/b/', sourceRoot: 'lib' }])).toEqual([]);
    expect(checkStackRoots([{ stackRoot: '/app/a**/', sourceRoot: '../x' }]).map((e) => e.field)).toEqual([
      ['stackRoots', '0', 'stackRoot'],
      ['stackRoots', '0', 'sourceRoot'],
    ]);
  });
});

describe('resolveCodeLocation', () => {
  it('GitHub Enterprise: the matching mapping, why, the file in the repository and its blob URL with the line', async () => {
    const repoId = await repository('GITHUB', 'acme/api', 'https://ghe.example.com/api/v3');
    const { serviceName, payload } = await mapping(repoId, [
      { stackRoot: '/app/**/src/', sourceRoot: 'src/' },
      { stackRoot: '/app/vendor/', sourceRoot: 'third_party/' },
    ]);
    expect(payload.userErrors).toEqual([]);
    const res = await server.gql(RESOLVE, { serviceName, path: '/app/services/api/src/handlers/user.ts', line: 42 });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.resolveCodeLocation).toEqual({
      matched: true,
      reason: expect.stringMatching(/mapped to acme\/api\. Stack root "\/app\/\*\*\/src\/" matched/),
      path: 'src/handlers/user.ts',
      branch: 'main',
      line: 42,
      webUrl: 'https://ghe.example.com/acme/api/blob/main/src/handlers/user.ts#L42',
      serviceMapping: { id: payload.serviceMapping.id, serviceName },
      stackRoot: { stackRoot: '/app/**/src/', sourceRoot: 'src/' },
      repository: { id: repoId, path: 'acme/api' },
    });
  });

  it('GitLab self-managed and Bitbucket URLs', async () => {
    const gl = await mapping(await repository('GITLAB', 'group/sub/project', 'https://gitlab.example.com'), [{ stackRoot: '/srv/app/', sourceRoot: 'lib/' }]);
    const glRes = await server.gql(RESOLVE, { serviceName: gl.serviceName, path: '/srv/app/models/user.rb', line: 7 });
    expect(glRes.body.data.resolveCodeLocation.webUrl).toBe('https://gitlab.example.com/group/sub/project/-/blob/main/lib/models/user.rb#L7');
    const bb = await mapping(await repository('BITBUCKET', 'ws/app'), [{ stackRoot: '/code/', sourceRoot: '' }]);
    const bbRes = await server.gql(RESOLVE, { serviceName: bb.serviceName, path: '/code/app/views.py', line: 12 });
    expect(bbRes.body.data.resolveCodeLocation.webUrl).toBe('https://bitbucket.org/ws/app/src/main/app/views.py#lines-12');
  });

  it('without stack roots the frame path is relative to pathPrefix; without a line the URL has no anchor', async () => {
    const { serviceName } = await mapping(await repository('GITHUB', 'acme/mono'), undefined, { pathPrefix: 'services/billing' });
    const res = await server.gql(RESOLVE, { serviceName, path: 'handlers/pay.go' });
    expect(res.body.data.resolveCodeLocation).toMatchObject({ matched: true, path: 'services/billing/handlers/pay.go', stackRoot: null, line: null, webUrl: 'https://github.com/acme/mono/blob/main/services/billing/handlers/pay.go' });
  });

  it('says why nothing matched: an unknown service, a path outside every root', async () => {
    const unknown = await server.gql(RESOLVE, { serviceName: 'no-such-service', path: '/app/x.ts' });
    expect(unknown.body.data.resolveCodeLocation).toMatchObject({ matched: false, serviceMapping: null, path: null, webUrl: null, reason: expect.stringMatching(/No live service mapping/) });
    const { serviceName } = await mapping(await repository('GITHUB', 'acme/other'), [{ stackRoot: '/app/', sourceRoot: '' }]);
    const outside = await server.gql(RESOLVE, { serviceName, path: '/usr/lib/node/x.js', line: 1 });
    expect(outside.body.data.resolveCodeLocation).toMatchObject({ matched: false, serviceMapping: { serviceName }, path: null, reason: expect.stringMatching(/No stack root/) });
  });

  it('ties are refused at write time with a clear user error; an update replaces the roots', async () => {
    const repoId = await repository('GITHUB', 'acme/ties');
    const tie = await mapping(repoId, [
      { stackRoot: '/app/*/src/', sourceRoot: 'src/' },
      { stackRoot: '/app/src/*/', sourceRoot: 'lib/' },
    ]);
    expect(tie.payload).toEqual({
      serviceMapping: null,
      userErrors: [{ code: 'BAD_USER_INPUT', field: ['stackRoots', '1', 'stackRoot'], message: expect.stringMatching(/can match the same path and are equally specific/) }],
    });
    const ok = await mapping(repoId, [{ stackRoot: '/app/', sourceRoot: '' }]);
    const id = ok.payload.serviceMapping.id;
    const refused = await server.gql(UPDATE_MAPPING, { input: { id, stackRoots: [{ stackRoot: '/a/', sourceRoot: 'x' }, { stackRoot: '/a/', sourceRoot: 'y' }] } });
    expect(refused.body.data.updateServiceMapping.userErrors[0].field).toEqual(['stackRoots', '1', 'stackRoot']);
    const updated = await server.gql(UPDATE_MAPPING, { input: { id, stackRoots: [{ stackRoot: 'webpack:///./', sourceRoot: 'web/' }] } });
    expect(updated.body.data.updateServiceMapping.serviceMapping.stackRoots).toEqual([{ stackRoot: 'webpack:///./', sourceRoot: 'web/' }]);
    const res = await server.gql(RESOLVE, { serviceName: ok.serviceName, path: 'webpack:///./components/App.tsx', line: 3 });
    expect(res.body.data.resolveCodeLocation).toMatchObject({ matched: true, path: 'web/components/App.tsx' });
    const cleared = await server.gql(UPDATE_MAPPING, { input: { id, stackRoots: [] } });
    expect(cleared.body.data.updateServiceMapping.serviceMapping.stackRoots).toEqual([]);
  });

  it('connectRepos takes stack roots with its mappings, under the same rules', async () => {
    const serviceName = name('connected');
    const input = (stackRoots: unknown) => ({
      platform: 'GITHUB',
      credentials: { token: 'token-not-used-1234' },
      repositories: [`acme/${serviceName}`],
      serviceMappings: [{ serviceName, repo: `acme/${serviceName}`, pathPrefix: '', defaultBranch: 'main', stackRoots }],
    });
    const tie = await server.gql(CONNECT, { input: input([{ stackRoot: '/x/', sourceRoot: 'a' }, { stackRoot: '/x/', sourceRoot: 'b' }]) });
    expect(tie.body.data.connectRepos.userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['serviceMappings', '0', 'stackRoots', '1', 'stackRoot'] })]);
    const ok = await server.gql(CONNECT, { input: input([{ stackRoot: '/srv/**/lib/', sourceRoot: 'lib/' }]) });
    expect(ok.body.data.connectRepos.userErrors).toEqual([]);
    const res = await server.gql(RESOLVE, { serviceName, path: '/srv/a/b/lib/x.py', line: 5 });
    expect(res.body.data.resolveCodeLocation).toMatchObject({ matched: true, path: 'lib/x.py', webUrl: `https://github.com/acme/${serviceName}/blob/main/lib/x.py#L5` });
  });

  it('pinned to a commit: each host links the file at that commit instead of the branch, and the reason says so', async () => {
    const sha = '9fceb02d0ae598e95dc970b74767f19372d61af8';
    const gh = await mapping(await repository('GITHUB', 'acme/pinned', 'https://ghe.example.com/api/v3'), [{ stackRoot: '/app/', sourceRoot: 'src/' }]);
    const ghRes = await server.gql(RESOLVE_AT, { serviceName: gh.serviceName, path: '/app/handlers/user.ts', line: 42, commit: sha });
    expect(ghRes.body.data.resolveCodeLocation).toMatchObject({
      matched: true,
      branch: 'main',
      commit: sha,
      webUrl: `https://ghe.example.com/acme/pinned/blob/${sha}/src/handlers/user.ts#L42`,
      reason: expect.stringMatching(new RegExp(`Linked at commit ${sha} instead of the mapping's branch main\\.$`)),
    });
    const gl = await mapping(await repository('GITLAB', 'group/sub/pinned', 'https://gitlab.example.com'), [{ stackRoot: '/srv/', sourceRoot: '' }]);
    const glRes = await server.gql(RESOLVE_AT, { serviceName: gl.serviceName, path: '/srv/lib/x.rb', line: 7, commit: 'ABCDEF1' });
    // A short SHA, lower-cased as the hosts' URLs take it.
    expect(glRes.body.data.resolveCodeLocation).toMatchObject({ commit: 'abcdef1', webUrl: 'https://gitlab.example.com/group/sub/pinned/-/blob/abcdef1/lib/x.rb#L7' });
    const bb = await mapping(await repository('BITBUCKET', 'ws/pinned'), [{ stackRoot: '/code/', sourceRoot: '' }]);
    const bbRes = await server.gql(RESOLVE_AT, { serviceName: bb.serviceName, path: '/code/app/views.py', line: 12, commit: sha });
    expect(bbRes.body.data.resolveCodeLocation.webUrl).toBe(`https://bitbucket.org/ws/pinned/src/${sha}/app/views.py#lines-12`);
    // Without commit, the branch as before.
    const plain = await server.gql(RESOLVE_AT, { serviceName: bb.serviceName, path: '/code/app/views.py', line: 12 });
    expect(plain.body.data.resolveCodeLocation).toMatchObject({ commit: null, webUrl: 'https://bitbucket.org/ws/pinned/src/main/app/views.py#lines-12' });
    expect(plain.body.data.resolveCodeLocation.reason).not.toMatch(/Linked at/);
  });

  it('pinned to a release tag, given bare or as refs/tags/…', async () => {
    const { serviceName } = await mapping(await repository('GITHUB', 'acme/tagged'), [{ stackRoot: '/app/', sourceRoot: '' }]);
    for (const commit of ['v1.4.2', 'refs/tags/v1.4.2']) {
      const res = await server.gql(RESOLVE_AT, { serviceName, path: '/app/main.go', line: 3, commit });
      expect(res.body.data.resolveCodeLocation).toMatchObject({ commit: 'v1.4.2', webUrl: 'https://github.com/acme/tagged/blob/v1.4.2/main.go#L3', reason: expect.stringMatching(/Linked at tag v1\.4\.2/) });
    }
    const slashed = await server.gql(RESOLVE_AT, { serviceName, path: '/app/main.go', commit: 'release/2026 q1'.replace(' ', '-') });
    expect(slashed.body.data.resolveCodeLocation.webUrl).toBe('https://github.com/acme/tagged/blob/release/2026-q1/main.go');
  });

  it('a commit of the wrong shape is a clear error naming the field, and nothing is resolved', async () => {
    for (const commit of ['', 'v1..2', 'refs/heads/main', 'has space', 'x'.repeat(300), 'g'.repeat(40) + '~1', '../etc']) {
      const res = await server.gql(RESOLVE_AT, { serviceName: 'x', path: '/a', commit });
      expect([commit, res.body.data]).toEqual([commit, null]);
      expect(res.body.errors[0]).toMatchObject({ message: expect.stringMatching(/^commit must be a commit SHA \(7 to 64 hexadecimal characters\) or a tag name/), extensions: { code: 'BAD_USER_INPUT', field: ['commit'] } });
    }
  });

  it('a bad line is a clear error', async () => {
    const res = await server.gql(RESOLVE, { serviceName: 'x', path: '/a', line: 0 });
    expect(res.body.errors[0]).toMatchObject({ message: 'line must be 1 or more', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
