import type { MutationResolvers } from '../../../../generated/graphql';

export const startCodeHostAuthorization: NonNullable<MutationResolvers['startCodeHostAuthorization']> = (_parent, { input }, ctx) =>
  ctx.services.codeHosts.flows.start(ctx, input);
