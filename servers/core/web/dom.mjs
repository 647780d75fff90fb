// A tiny DOM builder. Text always goes in as text nodes and attributes through setAttribute: the page
// never turns a string into HTML (its CSP enforces Trusted Types, so innerHTML would throw anyway).

/** h('button', { class: 'x', onclick: fn }, 'Label', child...) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the content of `el` (an element or its id). */
export function render(el, ...children) {
  const target = typeof el === 'string' ? document.getElementById(el) : el;
  target.replaceChildren();
  append(target, children);
  return target;
}

export const $ = (id) => document.getElementById(id);

/** "in 4:05" / "2:10 ago" for a date, relative to now. */
export function relative(date) {
  const seconds = Math.round((new Date(date).getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const text =
    abs >= 3600 ? `${Math.floor(abs / 3600)} h ${Math.floor((abs % 3600) / 60)} min` : `${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, '0')}`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

export function clock(date) {
  return new Date(date).toLocaleTimeString([], { hour12: false });
}

export function euros(cents) {
  return `€${(cents / 100).toFixed(2)}`;
}

/** "in 4:05", kept current once a second by renderCountdowns() in views.mjs. */
export const countdown = (at) => h('span', { class: 'countdown', 'data-at': new Date(at).toISOString() }, relative(at));

export function kv(rows) {
  return h(
    'dl',
    { class: 'kv' },
    rows.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}
