import type { CodeHostAppEntity } from '../../db/entities/code-host-app.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { CodeHostAppService } from '../code-host-accounts/code-host-app.service';
import { appAad } from '../code-host-accounts/code-host-secrets';
import type { CredentialCipher, Secret } from '../crypto';

/** The additional authenticated data of a hook's secrets: the row's identity, so a ciphertext copied to another hook no longer opens. */
export function webhookHookAad(hook: { tenantId: string; id: string }): string {
  return `webhook_hook:${hook.tenantId}:${hook.id}:secret`;
}

/** An endpoint's secrets: the current one, and the one a rotation replaced while its window lasts. */
export interface EndpointSecrets {
  /** What deliveries are recorded under: the hook's id (`wh_…`) or the registered app's (`app_…`). */
  sourceId: string;
  host: Platform;
  current: Secret<string>;
  previous: { secret: Secret<string>; validUntil: Date } | null;
}

/** The secrets accepted at `now`: the current one first, then the previous one until its window ends. */
export function acceptedSecrets(endpoint: EndpointSecrets, now: number): Secret<string>[] {
  return endpoint.previous !== null && endpoint.previous.validUntil.getTime() > now ? [endpoint.current, endpoint.previous.secret] : [endpoint.current];
}

/**
 * Where the webhook secrets of GitHub Apps come from: the apps the operator registered (the
 * code-host accounts module owns them and their sealed secrets).
 */
export interface GitHubAppWebhookSecrets {
  /**
   * The registered GitHub Apps whose numeric App ID is `githubAppId` (an app on github.com and one on
   * a GHES may share a number), each with the webhook secrets it accepts; every GitHub App with a
   * webhook secret when `githubAppId` is null (a delivery without `X-GitHub-Hook-Installation-Target-ID`).
   */
  appsFor(githubAppId: string | null): Promise<EndpointSecrets[]>;
}

/**
 * GitHub Apps' webhook secrets through the code-host apps service (never its table): the app's
 * webhook secret, and the one a rotation replaced while its window lasts (`app:rotate-webhook-secret`,
 * or a start that registers another REPOLINK_GITHUB_APP_WEBHOOK_SECRET), each opened under the AAD
 * that module sealed it with.
 */
export function codeHostAppWebhookSecrets(apps: Pick<CodeHostAppService, 'list'>, cipher: CredentialCipher): GitHubAppWebhookSecrets {
  const open = (app: CodeHostAppEntity): Secret<string> | null =>
    app.webhookSecretKeyId !== null && app.webhookSecretCiphertext !== null
      ? cipher.open({ keyId: app.webhookSecretKeyId, blob: app.webhookSecretCiphertext }, appAad(app, 'webhook_secret'))
      : null;
  const previous = (app: CodeHostAppEntity): EndpointSecrets['previous'] =>
    app.previousWebhookSecretKeyId !== null && app.previousWebhookSecretCiphertext !== null && app.previousWebhookSecretValidUntil !== null
      ? { secret: cipher.open({ keyId: app.previousWebhookSecretKeyId, blob: app.previousWebhookSecretCiphertext }, appAad(app, 'previous_webhook_secret')), validUntil: app.previousWebhookSecretValidUntil }
      : null;
  return {
    async appsFor(githubAppId) {
      const found: EndpointSecrets[] = [];
      for (const app of await apps.list()) {
        if (app.kind !== 'github_app' || (githubAppId !== null && app.githubAppId !== githubAppId)) continue;
        const secret = open(app);
        if (secret !== null) found.push({ sourceId: app.id, host: 'github', current: secret, previous: previous(app) });
      }
      return found;
    },
  };
}

/**
 * Opened secrets kept for a few seconds per endpoint, so a burst of deliveries does not read and
 * open the same row for each one. A rotation is seen within `ttlMs`; a signature that fails against
 * an entry older than `recheckAfterMs` is checked once more against the database (the host may
 * already sign with a secret rotated a moment ago). Misses are not kept: random endpoint ids cannot
 * fill it, and it is bounded anyway.
 */
export class SecretCache<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<T | null>, options: { fresherThanMs?: number } = {}): Promise<{ value: T | null; cached: boolean; ageMs: number }> {
    const entry = this.entries.get(key);
    const age = entry ? this.now() - entry.at : Infinity;
    if (entry && age < Math.min(this.ttlMs, options.fresherThanMs ?? Infinity)) return { value: entry.value, cached: true, ageMs: age };
    const value = await load();
    if (value === null) {
      this.entries.delete(key);
    } else {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, { value, at: this.now() });
    }
    return { value, cached: false, ageMs: 0 };
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
