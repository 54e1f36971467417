import 'reflect-metadata';
import { runAdmin } from './admin';

runAdmin(process.argv.slice(2)).then(({ code, stdout, stderr }) => {
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  process.exit(code);
});
