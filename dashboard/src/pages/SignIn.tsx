/** What each `reason` the server or the app sends means, in words. */
const REASONS: Record<string, { title: string; text: string; alert?: boolean }> = {
  none: { title: 'Sign in to repolink', text: 'You are not signed in.' },
  'signed-out': { title: 'You are signed out', text: 'Your session has ended on the server. Sign in again with a new link.' },
  'session-ended': { title: 'Your session has ended', text: 'It expired or was ended. Sign in again with a new link.', alert: true },
  'link-unknown': { title: 'This sign-in link does not work', text: 'This sign-in link is not valid. Check that it was copied whole, or ask for a new one.', alert: true },
  'link-expired': { title: 'This sign-in link has expired', text: 'Sign-in links work for a short time only. Ask for a new one.', alert: true },
  'link-used': {
    title: 'This sign-in link was already used',
    text: 'Each link signs in once. Ask for a new one; if you did not use this one yourself, someone else did.',
    alert: true,
  },
  error: { title: 'repolink could not be reached', text: 'The dashboard could not ask who you are.', alert: true },
};

export function SignInPage({ reason, detail }: { reason: string; detail?: string }) {
  const said = REASONS[reason] ?? REASONS.none;
  return (
    <main className="sign-in" id="main">
      <div className="card">
        <div className="brand">repolink</div>
        <h1>{said.title}</h1>
        <p role={said.alert ? 'alert' : undefined}>
          {said.text}
          {detail && reason === 'error' ? ` ${detail}` : ''}
        </p>
        <p>The dashboard has no passwords: you sign in with a one-time link. Ask an administrator for one, or make it yourself on the server:</p>
        <pre>
          <code>npm run admin -- session:create --email you@example.com --link</code>
        </pre>
        <p className="muted">
          The link works once and for 15 minutes. <code>npm start</code> prints one for the demo user.
        </p>
      </div>
    </main>
  );
}
