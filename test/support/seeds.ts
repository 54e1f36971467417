import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const SEED_NAMES = ['sigsentry-config-repos.txt', 'heimdall-create-repository.txt'] as const;
export type SeedName = (typeof SEED_NAMES)[number];

export const FIXTURE_DIR = path.resolve(__dirname, '..', 'fixtures', 'seeds');
/** The owner's documents, beside the repository in a checkout (`../shared/seeds`). */
export const SHARED_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'seeds');

export function seedText(name: SeedName): string {
  return readFileSync(path.join(FIXTURE_DIR, name), 'utf8');
}

export function sharedSeedText(name: SeedName): string | null {
  const file = path.join(SHARED_DIR, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Every JSON object literal in a seed document, in document order (balanced braces, strings respected). */
export function seedJsonObjects(name: SeedName): any[] {
  const text = seedText(name);
  const found: any[] = [];
  for (let start = text.indexOf('{'); start !== -1; ) {
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end === -1) break;
    try {
      found.push(JSON.parse(text.slice(start, end + 1)));
      start = text.indexOf('{', end + 1);
    } catch {
      start = text.indexOf('{', start + 1);
    }
  }
  return found;
}

/** The SigSentry examples by role. */
export function sigsentryExamples() {
  const all = seedJsonObjects('sigsentry-config-repos.txt');
  const bodies = all.filter((o) => typeof o.platform === 'string' && Array.isArray(o.repositories));
  const full = bodies.find((o) => Array.isArray(o.serviceMappings))!;
  return {
    github: bodies.find((o) => o.platform === 'github' && !o.serviceMappings && !('lookbackDays' in o))!,
    gitlab: bodies.find((o) => o.platform === 'gitlab')!,
    bitbucket: bodies.find((o) => o.platform === 'bitbucket')!,
    full,
    curl: bodies.find((o) => o.platform === 'github' && 'lookbackDays' in o && !o.serviceMappings)!,
    serviceMappingsOnly: all.find((o) => Array.isArray(o.serviceMappings) && !o.platform)!,
    created: all.find((o) => o.success === true)!,
    all,
  };
}

/** The Heimdall examples by role. */
export function heimdallExamples() {
  const all = seedJsonObjects('heimdall-create-repository.txt');
  const requests = all.filter((o) => typeof o.name === 'string' && o.name !== '<string>' && 'source_type' in o);
  return {
    gitUrl: requests.find((o) => o.source_type === 'git_url')!,
    github: requests.find((o) => o.source_type === 'github')!,
    gitlab: requests.find((o) => o.source_type === 'gitlab')!,
    response: all.find((o) => o.success === true && o.data?.id && o.data.id !== '<string>')!,
    unauthorized: all.find((o) => o.success === false && o.code === 401)!,
    serverError: all.find((o) => o.success === false && o.code === 500)!,
    all,
  };
}
