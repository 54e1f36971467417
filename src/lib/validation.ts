import { validate, type ValidationError } from 'class-validator';
import { UserErrorCode, userError, type UserError } from '../errors';

/** The outcome of checking an input: its normalized value, or every problem found as user errors. */
export type Checked<T> = { ok: true; value: T } | { ok: false; userErrors: UserError[] };

/** Runs class-validator on a DTO and turns its error tree into `userErrors` with field paths. */
export async function validateInput(dto: object): Promise<UserError[]> {
  const errors = await validate(dto, { forbidUnknownValues: true, validationError: { target: false, value: false } });
  const out: UserError[] = [];
  const walk = (list: ValidationError[], path: string[]) => {
    for (const error of list) {
      const here = [...path, error.property];
      for (const message of Object.values(error.constraints ?? {})) {
        out.push(userError(UserErrorCode.BAD_USER_INPUT, here, message));
      }
      if (error.children?.length) walk(error.children, here);
    }
  };
  walk(errors, []);
  return out;
}

/** A git branch name as `git check-ref-format --branch` accepts it (the common rules). */
export function isValidBranchName(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= 255 &&
    !/[\x00-\x20\x7f~^:?*[\\]/.test(value) &&
    !value.includes('..') &&
    !value.includes('@{') &&
    !value.includes('//') &&
    !value.startsWith('/') &&
    !value.endsWith('/') &&
    !value.endsWith('.') &&
    !value.endsWith('.lock') &&
    !value.startsWith('-') &&
    value !== '@'
  );
}

export const BRANCH_MESSAGE = 'must be a valid git branch name (no spaces, "..", "~^:?*[\\", or leading/trailing "/")';

/** `pathPrefix` is relative to the repository root: no leading "/", no ".." segment. */
export function isValidPathPrefix(value: string): boolean {
  return !value.startsWith('/') && !/[\x00-\x1f\\]/.test(value) && !value.split('/').some((s) => s === '..' || s === '.');
}
