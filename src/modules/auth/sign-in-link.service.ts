import { uuidv7 } from '../../lib/ids';
import { SESSION_TOKEN_PREFIX, hashToken, looksLikeToken, newToken } from './tokens';
import type { LinkRefusal, LinkUser, SignInLinkStore } from './sign-in-link.store';

/** Tokens of sign-in links: never a bearer credential (the API refuses them), only a way to open a session. */
export const SIGN_IN_TOKEN_PREFIX = 'rll_';

export const DEFAULT_LINK_TTL_MINUTES = 15;
export const DEFAULT_LINK_SESSION_TTL_HOURS = 12;

export class SignInLinkInputError extends Error {}

export interface IssuedLink {
  /** Shown once (in the link); only its SHA-256 is stored. */
  token: string;
  user: LinkUser;
  expiresAt: Date;
}

export type ConsumeOutcome =
  | { ok: true; sessionToken: string; userId: string; expiresAt: Date }
  | { ok: false; reason: LinkRefusal };

/** What a person reads when a link does not work (the dashboard shows it; no token in it). */
export const LINK_REFUSALS: Record<LinkRefusal, string> = {
  unknown: 'This sign-in link is not valid. Check that it was copied whole, or ask for a new one.',
  expired: 'This sign-in link has expired. Links work for a short time only: ask for a new one.',
  used: 'This sign-in link was already used. Each link signs in once: ask for a new one (and if you did not use it, someone else did).',
};

/**
 * Sign-in without a password store: the admin CLI (or the demo start) makes a one-time link for a
 * user; opening it consumes the link and opens a session whose token travels only in an HttpOnly
 * cookie. Rules live here; SQL in {@link SignInLinkStore}.
 */
export class SignInLinkService {
  constructor(private readonly store: SignInLinkStore) {}

  async issue(input: { userId?: string; email?: string; ttlMinutes?: number; sessionTtlHours?: number }): Promise<IssuedLink> {
    const ttlMinutes = input.ttlMinutes ?? DEFAULT_LINK_TTL_MINUTES;
    const sessionTtlHours = input.sessionTtlHours ?? DEFAULT_LINK_SESSION_TTL_HOURS;
    if (!(ttlMinutes >= 1 && ttlMinutes <= 24 * 60)) throw new SignInLinkInputError('--link-ttl-minutes must be from 1 to 1440');
    if (!(Number.isInteger(sessionTtlHours) && sessionTtlHours >= 1 && sessionTtlHours <= 24 * 365)) {
      throw new SignInLinkInputError('--ttl-hours must be a whole number from 1 to 8760 for a sign-in link');
    }
    const user = input.userId ? await this.store.userById(input.userId) : input.email ? await this.store.userByEmail(input.email.trim().toLowerCase()) : null;
    if (!user) throw new SignInLinkInputError(input.userId ? `No user ${input.userId}` : `No user with email ${input.email ?? ''}`);
    const token = newToken(SIGN_IN_TOKEN_PREFIX);
    const expiresAt = await this.store.insert({ id: uuidv7(), userId: user.id, tenantId: user.tenantId, tokenHash: hashToken(token), ttlMinutes, sessionTtlHours });
    return { token, user, expiresAt };
  }

  /** Consumes a link (once, before it expires) and opens a session for its user. */
  async consume(token: string): Promise<ConsumeOutcome> {
    // A malformed token is refused like an unknown one, without a lookup.
    if (!looksLikeToken(token, SIGN_IN_TOKEN_PREFIX)) return { ok: false, reason: 'unknown' };
    const hash = hashToken(token);
    const sessionToken = newToken(SESSION_TOKEN_PREFIX);
    const opened = await this.store.consume(hash, { id: uuidv7(), tokenHash: hashToken(sessionToken) });
    if (opened === null) return { ok: false, reason: await this.store.refusal(hash) };
    return { ok: true, sessionToken, userId: opened.userId, expiresAt: opened.expiresAt };
  }

  /** Ends the session of a session token (sign-out); a token that is not a live session changes nothing. */
  async signOut(sessionToken: string): Promise<boolean> {
    if (!looksLikeToken(sessionToken, SESSION_TOKEN_PREFIX)) return false;
    return this.store.revokeSession(hashToken(sessionToken));
  }

  purgeExpired(): Promise<void> {
    return this.store.purgeExpired();
  }
}

/** The URL a person opens: `<base>/dashboard/sign-in?token=…`. */
export function signInUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/dashboard/sign-in?token=${encodeURIComponent(token)}`;
}
