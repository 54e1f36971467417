import fs from 'node:fs';
import path from 'node:path';
import type { GaleraNode } from './node-config';

/** What a stopped node's files say: whether it holds data, its position and bootstrap flag (grastate.dat), how it joined (its log). */

export interface GrastateInfo {
  uuid: string;
  seqno: number;
  safeToBootstrap: boolean;
}

/** Whether the node's datadir holds an installed server (its `mysql` schema). */
export const hasData = (n: GaleraNode): boolean => fs.existsSync(path.join(n.datadir, 'mysql'));

export function readGrastate(datadir: string): GrastateInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(datadir, 'grastate.dat'), 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(text)?.[1] ?? '';
  return { uuid: field('uuid'), seqno: Number(field('seqno') || -1), safeToBootstrap: field('safe_to_bootstrap') === '1' };
}

/** Marks the node as the one to bootstrap from (after a crash, none is). */
export function markSafeToBootstrap(datadir: string): void {
  const grastate = path.join(datadir, 'grastate.dat');
  fs.writeFileSync(grastate, fs.readFileSync(grastate, 'utf8').replace(/^safe_to_bootstrap:.*$/m, 'safe_to_bootstrap: 1'));
}

/** How a joiner got its state, from its log since it started: a full copy (SST) or the missing writesets only (IST). */
export function transferKind(log: string): 'SST' | 'IST' | 'nothing' {
  // The SST script runs on every joiner; it reports which transfer it completed.
  if (/IST completed on joiner/.test(log)) return 'IST';
  if (/SST completed on joiner/.test(log)) return 'SST';
  if (/IST received/.test(log)) return 'IST';
  return 'nothing';
}
