// First: sizes libuv's thread pool before anything uses it (threadpool.ts says why).
import '../core/threadpool';
import { main } from '../core/run-server';
import { createSessionAuth } from './session-auth';

main('session', createSessionAuth);
