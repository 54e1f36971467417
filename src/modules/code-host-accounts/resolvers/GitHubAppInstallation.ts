import type { GitHubAppInstallationResolvers } from '../../../generated/graphql';

export const GitHubAppInstallation: GitHubAppInstallationResolvers = {
  permissions: (installation) => Object.entries(installation.permissions).map(([name, level]) => ({ name, level })),
};
