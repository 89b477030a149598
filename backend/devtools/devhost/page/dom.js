// The host page's one DOM helper: build an element with attributes, `on*` listeners and children.

/**
 * @param {string} tag
 * @param {Record<string, any>} attrs attributes; keys starting with "on" add event listeners
 * @param {...(Node|string)} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}
