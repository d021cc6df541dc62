CREATE TABLE orders (
    id          VARCHAR(36) PRIMARY KEY,
    number      VARCHAR(16) NOT NULL,
    customer_id VARCHAR(36) NOT NULL,
    vendor_id   VARCHAR(36) NOT NULL,
    status      VARCHAR(20) NOT NULL,
    placed_at   DATETIME(6) NOT NULL
);
--bun:split
CREATE UNIQUE INDEX orders_number_key ON orders (number);
--bun:split
CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at);
--bun:split
CREATE INDEX orders_vendor_idx ON orders (vendor_id, placed_at);
