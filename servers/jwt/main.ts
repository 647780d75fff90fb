// First: sizes libuv's thread pool before anything uses it (threadpool.ts says why).
import '../core/threadpool';
import { main } from '../core/run-server';
import { createJwtAuth } from './jwt-auth';

main('jwt', createJwtAuth);
