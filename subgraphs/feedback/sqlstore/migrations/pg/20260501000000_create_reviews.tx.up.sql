CREATE TABLE reviews (
    id          VARCHAR(36) PRIMARY KEY,
    author_id   VARCHAR(36) NOT NULL,
    order_id    VARCHAR(36) NOT NULL,
    target_type VARCHAR(10) NOT NULL,
    target_id   VARCHAR(36) NOT NULL,
    rating      SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     VARCHAR(500) NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
--bun:split
-- A customer reviews each target of an order once.
CREATE UNIQUE INDEX reviews_order_target_key ON reviews (order_id, target_type, target_id);
--bun:split
CREATE INDEX reviews_target_idx ON reviews (target_type, target_id, created_at);
--bun:split
CREATE INDEX reviews_author_idx ON reviews (author_id, created_at);
