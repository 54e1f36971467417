import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** Every page lives under /dashboard/; the server answers each of these paths with the app. */
export const BASE = '/dashboard';

function current(): string {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '/';
  return path.replace(/\/+$/, '') || '/';
}

let listeners: (() => void)[] = [];

export function navigate(to: string, replace = false): void {
  const url = `${BASE}${to}`;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  listeners.forEach((l) => l());
}

/** The page's path below /dashboard (`/repositories`), and its query parameters. */
export function useRoute(): { path: string; params: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((t) => t + 1);
    listeners.push(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners = listeners.filter((l) => l !== update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return { path: current(), params: new URLSearchParams(window.location.search) };
}

/** A link inside the app: a real <a href> (opens in a new tab, works without script), routed in place on a plain click. */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  const active = current() === to;
  return <a href={`${BASE}${to}`} aria-current={active ? 'page' : undefined} onClick={onClick} {...rest} />;
}
