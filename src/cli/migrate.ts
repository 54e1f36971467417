import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../boot/database';

/** Applies pending migrations to DATABASE_URL (or the private database) and exits. */
openDatabase(loadConfig(), (line) => process.stdout.write(`${line}\n`), { attach: true })
  .then(async (database) => {
    process.stdout.write('migrations are up to date\n');
    await database.close();
  })
  .catch((error: unknown) => {
    process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
