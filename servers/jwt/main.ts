import { main } from '../core/run-server';
import { createJwtAuth } from './jwt-auth';

main('jwt', createJwtAuth);
