// Is a TCP port taken on the address the servers listen on (HOST, 127.0.0.1 by default)? Checked by
// trying to listen on it, the one test that matches what the server will do.
import { createServer } from 'node:net';

export function portInUse(port: number, host = process.env.HOST || '127.0.0.1'): Promise<boolean> {
  return new Promise((res) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => res(err.code === 'EADDRINUSE'));
    probe.listen(port, host, () => probe.close(() => res(false)));
  });
}
