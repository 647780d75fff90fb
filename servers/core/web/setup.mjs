// The set-up this page runs in, so that its text describes what is really there. The servers do not
// know whether anything stands in front of them; the balancer does, and says so in an
// `X-Load-Balancer` response header (deploy/nginx/lb.conf.template: `nginx`; the Node proxy of
// deploy/round-robin-proxy.ts: `node-proxy`). No header: the page talks to one instance directly,
// as with `npm run dev` or an instance's own address, until a second instance answers: then a
// balancer that does not name itself (a Kubernetes ingress...) is in front, and the set-up becomes
// 'balanced' (app.mjs).

/** 'single' | 'node-proxy' | 'nginx' from the X-Load-Balancer header of a response. */
export function setupFrom(header) {
  if (!header) return 'single';
  return header.trim().toLowerCase() === 'nginx' ? 'nginx' : 'node-proxy';
}

/** Several instances take turns behind a balancer (round robin, no sticky sessions). */
export const isBalanced = (state) => state.setup !== 'single';

/** For the header line: what stands between this page and the instances. */
export function setupLabel(setup) {
  if (setup === 'nginx') return 'instances behind nginx, round robin';
  if (setup === 'node-proxy') return 'instances behind a Node round-robin proxy';
  if (setup === 'balanced') return 'instances behind a load balancer';
  return 'one instance, nothing in front';
}
