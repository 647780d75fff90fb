// prom-client's default metrics are one module each (lib/metrics/*.js, no `exports` map in its
// package.json), each a function registering its metric; registry.ts uses them one by one.
declare module 'prom-client/lib/metrics/*' {
  import type { Registry } from 'prom-client';
  const register: (registry: Registry, config: { eventLoopMonitoringPrecision?: number }) => void;
  export default register;
}
