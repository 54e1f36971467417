import { useId, useState, type ReactNode } from 'react';
import { describeError, type UserError } from './api';

/** The user errors that name exactly this field (`["stackRoots", "1", "stackRoot"]`). */
export function errorsAt(errors: readonly UserError[], ...path: (string | number)[]): UserError[] {
  const want = path.map(String).join('.');
  return errors.filter((e) => (e.field ?? []).join('.') === want);
}

/** The user errors no rendered field shows: they go at the top of the form. */
export function errorsElsewhere(errors: readonly UserError[], shown: readonly (readonly (string | number)[])[]): UserError[] {
  const fields = new Set(shown.map((p) => p.map(String).join('.')));
  return errors.filter((e) => !e.field || !fields.has(e.field.join('.')));
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </header>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <p>{describeError(error)}</p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

export function FormErrors({ errors }: { errors: readonly UserError[] }) {
  if (errors.length === 0) return null;
  return (
    <div className="form-errors" role="alert">
      {errors.map((e, i) => (
        <p key={i}>{e.message}</p>
      ))}
    </div>
  );
}

interface FieldProps {
  label: string;
  errors?: readonly UserError[];
  hint?: ReactNode;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}

/** A labelled input with its hint and the user errors that name it, read out by screen readers. */
export function Field({ label, errors = [], hint, children }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, errors.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${errors.length ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': errors.length > 0, 'aria-describedby': described })}
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {errors.length ? (
        <small id={`${id}-error`} className="field-error">
          {errors.map((e) => e.message).join(' ')}
        </small>
      ) : null}
    </div>
  );
}

const STATUS_WORDS: Record<string, string> = { NEVER: 'Not synced yet', PENDING: 'Syncing…', OK: 'Synced', ERROR: 'Sync failed' };

/** A sync state in words, with a moving bar while it runs. */
export function SyncState({ status, syncedAt, error }: { status: string; syncedAt?: string | null; error?: string | null }) {
  return (
    <span className={`sync sync-${status.toLowerCase()}`} data-sync-status={status}>
      {status === 'PENDING' ? <span className="progress" role="progressbar" aria-label="Sync in progress" /> : null}
      <span className="sync-word">{STATUS_WORDS[status] ?? status}</span>
      {status === 'OK' && syncedAt ? <span className="muted"> {timeAgo(syncedAt)}</span> : null}
      {status === 'ERROR' && error ? <span className="sync-error">{error}</span> : null}
    </span>
  );
}

export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 90 * 60) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export function DateTime({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {timeAgo(iso)}
    </time>
  );
}

export function Sha({ sha }: { sha: string | null | undefined }) {
  if (!sha) return <span className="muted">—</span>;
  return (
    <code title={sha} className="sha">
      {sha.slice(0, 10)}
    </code>
  );
}

/** Copies a text; falls back to selecting it when the clipboard API is not available. */
export function CopyButton({ text, targetId }: { text: string; targetId?: string }) {
  const [done, setDone] = useState<'copied' | 'select' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('copied');
    } catch {
      const input = targetId ? (document.getElementById(targetId) as HTMLInputElement | null) : null;
      input?.select();
      setDone('select');
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" className="muted">
        {done === 'copied' ? 'Copied to the clipboard' : done === 'select' ? 'Selected: press Ctrl+C to copy' : ''}
      </span>
    </>
  );
}

export function PlatformName({ platform }: { platform: string }) {
  return <>{({ GITHUB: 'GitHub', GITLAB: 'GitLab', BITBUCKET: 'Bitbucket', GIT_URL: 'Git URL' } as Record<string, string>)[platform] ?? platform}</>;
}
