import { main } from '../core/run-server';
import { createSessionAuth } from './session-auth';

main('session', createSessionAuth);
