// A stable colour per instance id, in order of first appearance, so "which instance answered" can be
// seen at a glance across the request list, the replay table and the header.
import { h } from './dom.mjs';

const PALETTE = 8;
const seen = new Map();

export function instanceIndex(id) {
  if (!seen.has(id)) seen.set(id, seen.size);
  return seen.get(id);
}

export function badge(id) {
  if (!id) return h('span', { class: 'badge none' }, 'none');
  return h('span', { class: `badge c${instanceIndex(id) % PALETTE}`, title: `X-Instance-Id: ${id}` }, id);
}
