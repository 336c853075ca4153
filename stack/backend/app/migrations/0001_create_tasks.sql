-- The tasks table. idempotency_key is UNIQUE (NULLs allowed): a retried POST with the same key
-- finds the original row instead of inserting a second one. request_hash detects a key reused
-- with a different body.
CREATE TABLE tasks (
    id              bigserial PRIMARY KEY,
    title           text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description     text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    completed       boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    idempotency_key text        UNIQUE CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    text
);

CREATE INDEX tasks_completed_id_idx ON tasks (completed, id);
