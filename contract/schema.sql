-- The order service's database, applied by shootout (never by a contender)
-- to a schema of its own before a contender starts. Every contender sees
-- these tables and indexes; none creates or alters them.
--
-- An order's `id` in the HTTP contract is this table's identity, written as
-- a decimal string.

CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id text   NOT NULL CHECK (customer_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    currency    text   NOT NULL CHECK (currency IN ('USD', 'EUR', 'GBP')),
    items_count integer NOT NULL CHECK (items_count BETWEEN 1 AND 100),
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    fraud_score bigint NOT NULL CHECK (fraud_score BETWEEN 0 AND 4294967295),
    status      text   NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
    order_id         bigint  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line             integer NOT NULL CHECK (line >= 1),
    sku              text    NOT NULL,
    qty              integer NOT NULL CHECK (qty BETWEEN 1 AND 1000),
    unit_price_cents bigint  NOT NULL CHECK (unit_price_cents BETWEEN 0 AND 10000000),
    PRIMARY KEY (order_id, line)
);

-- GET /orders?customer_id=…&limit=…: a customer's latest orders, newest first.
CREATE INDEX orders_customer_latest ON orders (customer_id, id DESC);
