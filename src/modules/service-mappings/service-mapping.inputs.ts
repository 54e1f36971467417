import { IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { UserErrorCode, userError } from '../../errors';
import type { CreateServiceMappingInput, UpdateServiceMappingInput } from '../../generated/schema-types';
import { BRANCH_MESSAGE, isValidBranchName, isValidPathPrefix, validateInput, type Checked } from '../../lib/validation';
import { checkStackRoots, type StackRoot } from './stack-roots';

export class ServiceMappingFieldsDto {
  @IsOptional() @IsString() @Length(1, 255, { message: 'serviceName must be 1 to 255 characters' }) serviceName?: string;
  @IsOptional() @IsString() @Length(1, 64) repositoryId?: string;
  @IsOptional() @IsString() @MaxLength(1024) pathPrefix?: string;
  @IsOptional() @IsString() @Length(1, 255) defaultBranch?: string;
}

export interface ServiceMappingChanges {
  serviceName?: string;
  repositoryId?: string;
  pathPrefix?: string;
  defaultBranch?: string;
  /** The complete new list when given. */
  stackRoots?: StackRoot[];
}

/** The mapping rules of connectRepos, for the fields given (all of them on creation). */
export async function checkServiceMappingFields(
  input: Omit<UpdateServiceMappingInput, 'id'> | CreateServiceMappingInput,
): Promise<Checked<ServiceMappingChanges>> {
  const { stackRoots, ...fields } = input;
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined));
  const dto = Object.assign(new ServiceMappingFieldsDto(), given);
  const errors = await validateInput(dto);
  const failed = (f: string) => errors.some((e) => e.field?.[0] === f);
  const bad = (f: string, message: string) => errors.push(userError(UserErrorCode.BAD_USER_INPUT, [f], message));
  if (dto.serviceName !== undefined && !failed('serviceName') && dto.serviceName.trim() !== dto.serviceName) bad('serviceName', 'serviceName must not start or end with white space');
  if (dto.pathPrefix !== undefined && !failed('pathPrefix') && !isValidPathPrefix(dto.pathPrefix)) bad('pathPrefix', 'pathPrefix must be relative to the repository root ("" is the root) with no ".." segment');
  if (dto.defaultBranch !== undefined && !failed('defaultBranch') && !isValidBranchName(dto.defaultBranch)) bad('defaultBranch', `defaultBranch ${BRANCH_MESSAGE}`);
  const roots = stackRoots?.map((r) => ({ stackRoot: r.stackRoot, sourceRoot: r.sourceRoot }));
  if (roots) errors.push(...checkStackRoots(roots));
  return errors.length > 0 ? { ok: false, userErrors: errors } : { ok: true, value: { ...dto, ...(roots && { stackRoots: roots }) } };
}
