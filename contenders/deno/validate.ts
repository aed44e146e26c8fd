// The order body's rules (docs/contract.md), checked by hand: the body is
// plain JSON, so a few explicit checks say exactly what is wrong.

const CUSTOMER = /^[A-Za-z0-9_-]{1,64}$/;
const CURRENCIES = new Set(['USD', 'EUR', 'GBP']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** Length in code points, as the contract counts characters. */
const chars = (s: string): number => [...s].length;

function exactKeys(value: unknown, keys: string[], what: string): string | null {
  if (!isObject(value)) return `${what} must be an object`;
  for (const k of keys) if (!Object.hasOwn(value, k)) return `${what}: missing ${k}`;
  for (const k of Object.keys(value)) if (!keys.includes(k)) return `${what}: unknown field ${k}`;
  return null;
}

/** Why `order` breaks the rules, or null when it is valid. */
export function orderError(order: unknown): string | null {
  const shape = exactKeys(order, ['customer_id', 'currency', 'items'], 'body');
  if (shape || !isObject(order)) return shape ?? 'body must be an object';
  if (typeof order.customer_id !== 'string' || !CUSTOMER.test(order.customer_id)) {
    return 'customer_id must be 1-64 characters of [A-Za-z0-9_-]';
  }
  if (typeof order.currency !== 'string' || !CURRENCIES.has(order.currency)) return 'currency must be USD, EUR or GBP';
  const { items } = order;
  if (!Array.isArray(items) || items.length < 1 || items.length > 100) {
    return 'items must be an array of 1 to 100 items';
  }
  for (const [i, item] of items.entries()) {
    const itemShape = exactKeys(item, ['sku', 'qty', 'unit_price_cents'], `items[${i}]`);
    if (itemShape || !isObject(item)) return itemShape ?? `items[${i}] must be an object`;
    if (typeof item.sku !== 'string' || chars(item.sku) < 1 || chars(item.sku) > 32) {
      return `items[${i}].sku must be 1-32 characters`;
    }
    if (!isInt(item.qty, 1, 1000)) return `items[${i}].qty must be an integer in 1..=1000`;
    if (!isInt(item.unit_price_cents, 0, 10_000_000)) {
      return `items[${i}].unit_price_cents must be an integer in 0..=10000000`;
    }
  }
  return null;
}
