// The workload registry, in the order the report shows them (and the bench runs them).
import { cartReadWorkload } from './cart-read';
import { cartWriteWorkload } from './cart-write';
import { journeyWorkload } from './journey';
import { loginWorkload } from './login';
import { meWorkload } from './me';
import { publicWorkload } from './public';
import type { Workload, WorkloadName } from './types';

export type { ClientSetup, Workload, WorkloadName } from './types';

export const WORKLOADS: Workload[] = [publicWorkload, meWorkload, cartReadWorkload, cartWriteWorkload, journeyWorkload, loginWorkload];

export function getWorkload(name: WorkloadName): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`unknown workload "${name}"`);
  return w;
}
