// The service's data: an order as posted, as kept and as answered
// (docs/contract.md, "Orders").

export type Currency = 'USD' | 'EUR' | 'GBP';

/** One line of a posted order. */
export interface OrderItem {
  sku: string;
  qty: number;
  unit_price_cents: number;
}

/** The body of POST /orders, once the JSON schema has accepted it. */
export interface OrderRequest {
  customer_id: string;
  currency: Currency;
  items: OrderItem[];
}

export type OrderStatus = 'authorized';

/** An order before the store gives it an id. */
export interface NewOrder {
  customer_id: string;
  currency: Currency;
  items_count: number;
  total_cents: number;
  fraud_score: number;
  status: OrderStatus;
}

/** An order as stored and answered. */
export interface Order extends NewOrder {
  id: string;
}

/** Where orders live (store.ts). */
export interface Store {
  /** Whether several processes can share it. */
  readonly shared: boolean;
  add(order: NewOrder, items: readonly OrderItem[]): Promise<Order>;
  get(id: string): Promise<Order | undefined>;
  /** Only a shared store lists a customer's orders. */
  readonly list: ((customerId: string, limit: number) => Promise<Order[]>) | undefined;
  close(): Promise<void>;
}
