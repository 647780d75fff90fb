-- Application data shared by both servers: users, the product catalog, carts, login throttling.

CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  disabled_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- Bumped on password change / disable: lets a strategy reject credentials issued earlier.
  credentials_valid_after timestamptz NOT NULL DEFAULT '-infinity'
);
-- Usernames are case-insensitive: "Alice" and "alice" are one account.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

CREATE TABLE products (
  sku              text PRIMARY KEY,
  name             text NOT NULL,
  unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0)
);

INSERT INTO products (sku, name, unit_price_cents) VALUES
  ('KB-001', 'Mechanical keyboard', 8900),
  ('MS-002', 'Wireless mouse', 2900),
  ('MN-003', '27-inch monitor', 24900),
  ('HD-004', 'Noise-cancelling headphones', 19900),
  ('CB-005', 'USB-C cable, 2 m', 1200),
  ('ST-006', 'Laptop stand', 3900),
  ('WC-007', 'HD webcam', 5900),
  ('DK-008', 'USB-C dock', 12900);

CREATE TABLE cart_items (
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sku        text NOT NULL REFERENCES products (sku),
  qty        integer NOT NULL CHECK (qty BETWEEN 1 AND 99),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sku)
);

-- Failed-login counters, per account ('user:<lower(username)>') and per client ('ip:<address>'),
-- in Postgres so every instance sees the same count.
CREATE TABLE login_failures (
  key             text PRIMARY KEY,
  failures        integer NOT NULL,
  last_failure_at timestamptz NOT NULL
);
