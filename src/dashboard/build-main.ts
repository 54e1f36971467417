/** `npm start` runs this before the server: it builds the dashboard when its sources changed. */
import { ensureDashboardBuilt } from './build';

ensureDashboardBuilt()
  .then((outcome) => {
    if (outcome.built) process.stdout.write(`Built the dashboard in ${outcome.ms} ms\n`);
    else if (outcome.reason === 'no-esbuild' && !outcome.stamp) process.stdout.write('The dashboard is not built and esbuild is not installed (npm ci installs it); /dashboard/ will say so.\n');
  })
  .catch((error: unknown) => {
    // A broken dashboard build must not keep the API from starting: say so and go on.
    process.stderr.write(`repolink: the dashboard could not be built: ${error instanceof Error ? error.message : String(error)}\n`);
  });
