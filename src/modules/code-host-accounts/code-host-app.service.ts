import { createHash, createPrivateKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ConfiguredApp } from '../../config';
import { isPrivateKeyPem } from '../../config';
import { CodeHostAppEntity } from '../../db/entities';
import type { CodeHostAppKind } from '../../db/entities/code-host-app.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { retryTransaction } from '../../db/transaction';
import { uuidv7 } from '../../lib/ids';
import { Secret, type CredentialCipher, type SealedValue } from '../crypto';
import type { CodeHostAccountStore } from './code-host-account.store';
import type { CodeHostEndpoints } from './code-host-endpoints';
import { appAad } from './code-host-secrets';
import type { OAuthClientCredentials } from './oauth-client';

/** An app as an operator registers it; the secrets stay wrapped until they are sealed. */
export interface AppRegistration {
  kind: CodeHostAppKind;
  host: Platform;
  /** The host's web root; null or empty: the public service. */
  baseUrl: string | null;
  githubAppId: string | null;
  slug: string | null;
  clientId: string;
  clientSecret: Secret<string>;
  privateKey: Secret<string> | null;
  webhookSecret: Secret<string> | null;
  source: 'config' | 'admin';
  /** A webhook secret other than the stored one replaces it; the stored one stays accepted this many hours (default 24; 0: refused at once). */
  keepPreviousWebhookSecretHours?: number;
}

/** The longest window in which a replaced webhook secret is still accepted (30 days), as for hooks. */
export const MAX_PREVIOUS_SECRET_HOURS = 24 * 30;
const DEFAULT_PREVIOUS_SECRET_HOURS = 24;

/** Secrets an operator chooses: long enough to resist guessing, and plain text GitHub's settings page takes. */
function checkWebhookSecret(secret: Secret<string>): void {
  const value = secret.reveal();
  if (value.length < 16 || value.length > 512) throw new AppRegistrationError('The webhook secret must be 16 to 512 characters long');
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) throw new AppRegistrationError('The webhook secret must be printable ASCII, without spaces at either end');
}

function checkWindow(hours: number): void {
  if (!Number.isFinite(hours) || hours < 0 || hours > MAX_PREVIOUS_SECRET_HOURS) throw new AppRegistrationError(`--keep-previous-hours must be a number from 0 to ${MAX_PREVIOUS_SECRET_HOURS}`);
}

const sameSecret = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a, 'utf8').digest(), createHash('sha256').update(b, 'utf8').digest());

/** The webhook columns of an app row as a rotation leaves them. */
type WebhookSecretColumns = Pick<
  CodeHostAppEntity,
  'webhookSecretKeyId' | 'webhookSecretCiphertext' | 'previousWebhookSecretKeyId' | 'previousWebhookSecretCiphertext' | 'previousWebhookSecretValidUntil' | 'webhookSecretRotatedAt'
>;

/** A registration refused before anything is stored; the message names the option, never a secret's value. */
export class AppRegistrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppRegistrationError';
  }
}

/** What may be shown of an app: never a secret, only whether one is set. */
export function describeApp(app: CodeHostAppEntity): Record<string, unknown> {
  return {
    id: app.id,
    kind: app.kind,
    host: app.host,
    baseUrl: app.baseUrl,
    githubAppId: app.githubAppId,
    slug: app.slug,
    clientId: app.clientId,
    hasPrivateKey: app.privateKeyCiphertext !== null,
    hasWebhookSecret: app.webhookSecretCiphertext !== null,
    webhookSecretRotatedAt: app.webhookSecretRotatedAt?.toISOString() ?? null,
    // Only while the window lasts: a replaced secret whose window ended is as good as gone.
    previousWebhookSecretValidUntil: app.previousWebhookSecretValidUntil !== null && app.previousWebhookSecretValidUntil.getTime() > Date.now() ? app.previousWebhookSecretValidUntil.toISOString() : null,
    source: app.source,
    updatedAt: app.updatedAt.toISOString(),
  };
}

/** The apps an operator registered (GitHub Apps, OAuth applications and consumers): sealed, found by kind, host and base URL. */
export class CodeHostAppService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: CodeHostAccountStore,
    private readonly cipher: CredentialCipher,
    private readonly endpoints: CodeHostEndpoints,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seals the secrets and registers the app, replacing the one of the same kind, host and base URL. */
  async register(registration: AppRegistration): Promise<CodeHostAppEntity> {
    const { kind, host } = registration;
    if (kind === 'github_app' && host !== 'github') throw new AppRegistrationError('A GitHub App is registered for --host github');
    if (host === 'bitbucket' && registration.baseUrl) throw new AppRegistrationError('Bitbucket Cloud has one address: leave --base-url out for --host bitbucket');
    let baseUrl: string;
    try {
      baseUrl = this.endpoints.normalizeBaseUrl(host, registration.baseUrl);
    } catch {
      throw new AppRegistrationError('--base-url must be an http(s) URL such as https://ghe.example.com');
    }
    if (baseUrl.length > 255) throw new AppRegistrationError('--base-url is longer than 255 characters');
    if (!/^[\x21-\x7e]{1,255}$/.test(registration.clientId)) throw new AppRegistrationError('--client-id must be the app\'s client id (1 to 255 visible ASCII characters)');
    if (registration.clientSecret.reveal().trim() === '') throw new AppRegistrationError('The client secret is empty');
    if (kind === 'github_app') {
      if (!registration.githubAppId || !/^\d{1,20}$/.test(registration.githubAppId)) throw new AppRegistrationError('--app-id must be the numeric App ID of the GitHub App');
      if (!registration.slug || !/^[a-z0-9][a-z0-9-]{0,99}$/i.test(registration.slug)) throw new AppRegistrationError('--slug must be the GitHub App\'s slug (as in /apps/<slug>)');
      if (!registration.privateKey || !isPrivateKeyPem(registration.privateKey.reveal())) throw new AppRegistrationError('The private key is not a PEM RSA private key (the .pem file GitHub generates for the app)');
    }
    const keepHours = registration.keepPreviousWebhookSecretHours ?? DEFAULT_PREVIOUS_SECRET_HOURS;
    checkWindow(keepHours);
    const now = new Date(this.now());
    const natural = { kind, host, baseUrl };
    const seal = (value: Secret<string> | null, field: 'client_secret' | 'private_key' | 'webhook_secret') => (value === null ? null : this.cipher.seal(value.reveal(), appAad(natural, field)));
    const clientSecret = seal(registration.clientSecret, 'client_secret')!;
    const privateKey = kind === 'github_app' ? seal(registration.privateKey, 'private_key') : null;
    const webhookSecret = seal(registration.webhookSecret, 'webhook_secret');
    const app = Object.assign(new CodeHostAppEntity(), natural, {
      id: `app_${uuidv7().replace(/-/g, '')}`,
      githubAppId: kind === 'github_app' ? registration.githubAppId : null,
      slug: kind === 'github_app' ? registration.slug : null,
      clientId: registration.clientId,
      clientSecretKeyId: clientSecret.keyId,
      clientSecretCiphertext: clientSecret.blob,
      privateKeyKeyId: privateKey?.keyId ?? null,
      privateKeyCiphertext: privateKey?.blob ?? null,
      webhookSecretKeyId: webhookSecret?.keyId ?? null,
      webhookSecretCiphertext: webhookSecret?.blob ?? null,
      source: registration.source,
      createdAt: now,
      updatedAt: now,
    });
    // The row is locked while the stored webhook secret is compared with the new one: processes that start together register it once.
    return retryTransaction(() =>
      this.dataSource.transaction(async (em) => {
        const stored = await this.store.lockAppByNaturalKey(em, kind, host, baseUrl);
        Object.assign(app, this.webhookSecretAfterRegistration(stored, registration.webhookSecret, webhookSecret, keepHours, now));
        return this.store.upsertApp(em, app);
      }),
    );
  }

  /**
   * What a registration leaves of the webhook secrets. The same secret again (every start of a
   * configured app) changes nothing, the window of an earlier rotation included; another one
   * replaces it, and the stored one is kept as the previous secret for `keepHours` (sealed again
   * under its own AAD), so the host can be switched over without refused deliveries. A stored secret
   * that cannot be opened any more is not kept.
   */
  private webhookSecretAfterRegistration(
    stored: CodeHostAppEntity | null,
    given: Secret<string> | null,
    sealed: SealedValue | null,
    keepHours: number,
    now: Date,
  ): WebhookSecretColumns {
    const none = { previousWebhookSecretKeyId: null, previousWebhookSecretCiphertext: null, previousWebhookSecretValidUntil: null };
    const current = { webhookSecretKeyId: sealed?.keyId ?? null, webhookSecretCiphertext: sealed?.blob ?? null };
    if (given === null) return { ...current, ...none, webhookSecretRotatedAt: null };
    const old = stored === null ? null : this.openWebhookSecret(stored);
    if (stored !== null && old !== null && sameSecret(old.reveal(), given.reveal())) {
      return {
        ...current,
        previousWebhookSecretKeyId: stored.previousWebhookSecretKeyId,
        previousWebhookSecretCiphertext: stored.previousWebhookSecretCiphertext,
        previousWebhookSecretValidUntil: stored.previousWebhookSecretValidUntil,
        webhookSecretRotatedAt: stored.webhookSecretRotatedAt,
      };
    }
    if (old === null || keepHours === 0) return { ...current, ...none, webhookSecretRotatedAt: now };
    const previous = this.cipher.seal(old.reveal(), appAad(stored!, 'previous_webhook_secret'));
    return {
      ...current,
      previousWebhookSecretKeyId: previous.keyId,
      previousWebhookSecretCiphertext: previous.blob,
      previousWebhookSecretValidUntil: new Date(now.getTime() + keepHours * 3_600_000),
      webhookSecretRotatedAt: now,
    };
  }

  /** The stored webhook secret, opened to be compared or kept; null when there is none or it no longer opens. */
  private openWebhookSecret(app: CodeHostAppEntity): Secret<string> | null {
    if (app.webhookSecretKeyId === null || app.webhookSecretCiphertext === null) return null;
    try {
      return this.cipher.open({ keyId: app.webhookSecretKeyId, blob: app.webhookSecretCiphertext }, appAad(app, 'webhook_secret'));
    } catch {
      return null;
    }
  }

  /**
   * A new webhook secret for a GitHub App registered with the admin command line (generated and
   * answered once when none is given). The replaced one stays accepted for `keepPreviousHours` (0:
   * refused at once), long enough to paste the new one into the app's settings on GitHub; a secret
   * replaced earlier is dropped. An app from the environment is refused: its next start would
   * register the environment's secret again; change REPOLINK_GITHUB_APP_WEBHOOK_SECRET instead.
   */
  async rotateWebhookSecret(input: { id: string; secret: Secret<string> | null; keepPreviousHours: number }): Promise<{ app: CodeHostAppEntity; generatedSecret: Secret<string> | null }> {
    if (!/^app_[0-9a-f]{32}$/.test(input.id)) throw new AppRegistrationError(`--id ${input.id} is not an app id (app_…)`);
    checkWindow(input.keepPreviousHours);
    if (input.secret !== null) checkWebhookSecret(input.secret);
    const secret = input.secret ?? new Secret(randomBytes(32).toString('base64url'));
    const app = await retryTransaction(() =>
      this.dataSource.transaction(async (em) => {
        const locked = await this.store.lockAppById(em, input.id);
        if (locked === null) throw new AppRegistrationError(`No app ${input.id}`);
        if (locked.kind !== 'github_app') throw new AppRegistrationError(`${input.id} is an OAuth application: only a GitHub App has a webhook secret`);
        if (locked.source === 'config') {
          throw new AppRegistrationError(
            `${input.id} is registered from the environment, which would register its secret again at the next start: set REPOLINK_GITHUB_APP_WEBHOOK_SECRET to the new secret and restart (the replaced one stays accepted for REPOLINK_GITHUB_APP_PREVIOUS_WEBHOOK_SECRET_HOURS)`,
          );
        }
        const old = this.openWebhookSecret(locked);
        const keep = old !== null && input.keepPreviousHours > 0;
        const validUntil = keep ? new Date(this.now() + input.keepPreviousHours * 3_600_000) : null;
        const previous = keep ? this.cipher.seal(old!.reveal(), appAad(locked, 'previous_webhook_secret')) : null;
        const next = this.cipher.seal(secret.reveal(), appAad(locked, 'webhook_secret'));
        await this.store.rotateAppWebhookSecret(em, locked.id, next, previous, validUntil);
        return Object.assign(locked, {
          webhookSecretKeyId: next.keyId,
          webhookSecretCiphertext: next.blob,
          previousWebhookSecretKeyId: previous?.keyId ?? null,
          previousWebhookSecretCiphertext: previous?.blob ?? null,
          previousWebhookSecretValidUntil: validUntil,
          webhookSecretRotatedAt: new Date(this.now()),
        });
      }),
    );
    return { app, generatedSecret: input.secret === null ? secret : null };
  }

  /** Writes the apps of the environment (REPOLINK_GITHUB_APP_*, REPOLINK_*_OAUTH_*); every process does at start, alike. */
  async registerConfigured(apps: readonly ConfiguredApp[]): Promise<CodeHostAppEntity[]> {
    const registered: CodeHostAppEntity[] = [];
    for (const app of apps) registered.push(await this.register({ ...app, source: 'config' }));
    return registered;
  }

  find(kind: CodeHostAppKind, host: Platform, baseUrl: string): Promise<CodeHostAppEntity | null> {
    return this.store.findApp(this.dataSource.manager, kind, host, baseUrl);
  }

  byId(id: string): Promise<CodeHostAppEntity | null> {
    return this.store.appById(this.dataSource.manager, id);
  }

  list(): Promise<CodeHostAppEntity[]> {
    return this.store.listApps(this.dataSource.manager);
  }

  clientCredentials(app: CodeHostAppEntity): OAuthClientCredentials {
    return { clientId: app.clientId, clientSecret: this.cipher.open({ keyId: app.clientSecretKeyId, blob: app.clientSecretCiphertext }, appAad(app, 'client_secret')) };
  }

  /** The GitHub App's private key, opened for signing one JWT (never kept). */
  privateKey(app: CodeHostAppEntity): KeyObject {
    if (app.privateKeyKeyId === null || app.privateKeyCiphertext === null) throw new AppRegistrationError(`The app ${app.id} has no private key`);
    return createPrivateKey(this.cipher.open({ keyId: app.privateKeyKeyId, blob: app.privateKeyCiphertext }, appAad(app, 'private_key')).reveal());
  }
}
