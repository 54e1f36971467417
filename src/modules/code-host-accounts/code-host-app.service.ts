import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ConfiguredApp } from '../../config';
import { isPrivateKeyPem } from '../../config';
import { CodeHostAppEntity } from '../../db/entities';
import type { CodeHostAppKind } from '../../db/entities/code-host-app.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { uuidv7 } from '../../lib/ids';
import type { CredentialCipher, Secret } from '../crypto';
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
}

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
    const now = new Date();
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
    return this.store.upsertApp(this.dataSource.manager, app);
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
