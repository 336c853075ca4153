-- Users (issue 14): every task belongs to a user, and the chat's conversations and messages.
--
-- Tasks that exist before this migration had no owner. They get user_id '(legacy)', which no token
-- can name (a user id is 1-64 of A-Z a-z 0-9 . _ @ -): they stay in the table, and in the
-- harness's SQL checks, but no user sees them through the API. An operator can hand them to a
-- user with: UPDATE tasks SET user_id = 'alice' WHERE user_id = '(legacy)'.
ALTER TABLE tasks ADD COLUMN user_id text;
UPDATE tasks SET user_id = '(legacy)';
ALTER TABLE tasks ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE tasks ADD CONSTRAINT tasks_user_id_check CHECK (char_length(user_id) BETWEEN 1 AND 64);

-- Idempotency keys are the user's own: two users may use the same key. NULLs (no key) never
-- conflict.
ALTER TABLE tasks DROP CONSTRAINT tasks_idempotency_key_key;
ALTER TABLE tasks ADD CONSTRAINT tasks_user_id_idempotency_key_key UNIQUE (user_id, idempotency_key);

-- Per-user listing, in id order, optionally filtered by completed.
DROP INDEX tasks_completed_id_idx;
CREATE INDEX tasks_user_id_completed_id_idx ON tasks (user_id, completed, id);
CREATE INDEX tasks_user_id_id_idx ON tasks (user_id, id);

-- The chat (Phase 3): a stateless endpoint loads a conversation's history from here on every
-- turn and stores the user's message and the assistant's reply. (UNIQUE (id, user_id) lets
-- messages reference the conversation and its owner together, so a message can never sit in
-- another user's conversation.) A per-turn idempotency key will be a later migration: a column
-- on messages (or a turns table) with UNIQUE (user_id, key).
CREATE TABLE conversations (
    id         bigserial   PRIMARY KEY,
    user_id    text        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, user_id)
);
CREATE INDEX conversations_user_id_updated_at_idx ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id              bigserial   PRIMARY KEY,
    conversation_id bigint      NOT NULL,
    user_id         text        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('user', 'assistant')),
    content         text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (conversation_id, user_id) REFERENCES conversations (id, user_id) ON DELETE CASCADE
);
-- A conversation's history in order; a user's messages.
CREATE INDEX messages_conversation_id_id_idx ON messages (conversation_id, id);
CREATE INDEX messages_user_id_idx ON messages (user_id);
