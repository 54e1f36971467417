import { SEED_NAMES, heimdallExamples, seedText, sharedSeedText, sigsentryExamples } from './support/seeds';

test("the contract tests' copies of the seed documents are the owner's documents, byte for byte", () => {
  for (const name of SEED_NAMES) {
    const shared = sharedSeedText(name);
    // In a checkout the owner's documents stand beside the repository (../shared/seeds).
    if (shared !== null) expect(seedText(name)).toBe(shared);
  }
});

test('every example the contract tests rely on is found in the documents', () => {
  const s = sigsentryExamples();
  expect(s.full.repositories).toEqual(['acme/checkout-api', 'acme/billing-worker']);
  expect(s.github.credentials).toEqual({ token: 'ghp_...' });
  expect(s.gitlab.platform).toBe('gitlab');
  expect(s.bitbucket.credentials).toEqual({ username: 'your-bitbucket-username', appPassword: '...' });
  expect(s.curl.lookbackDays).toBe(30);
  expect(s.created).toEqual({ success: true, data: { id: 'rc_x1y2z3...', platform: 'github' } });
  const h = heimdallExamples();
  expect([h.gitUrl.source_type, h.github.source_type, h.gitlab.source_type]).toEqual(['git_url', 'github', 'gitlab']);
  expect(h.response.data.issue_auto_create_min_severity).toBe('high');
  expect(h.unauthorized).toEqual({ success: false, code: 401, message: 'Authentication required' });
});
