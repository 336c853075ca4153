-- The chat's exactly-once bookkeeping (app/chat.py, app/mcp_tools.py).
--
-- chat_turns: one row per (user, Idempotency-Key) of POST /api/{user_id}/chat. A turn takes the
-- row at its start ('running'), marks it 'failed' when the model fails, and 'done' with its answer
-- in the same transaction that stores the turn's two messages. A retry of a 'done' turn answers the
-- stored answer; a retry of a 'running' (its process died) or 'failed' turn runs again, and its
-- tools' effects are not repeated (chat_tool_effects). request_hash detects a key reused for
-- another request (409).
CREATE TABLE chat_turns (
    id              bigserial   PRIMARY KEY,
    user_id         text        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 64),
    idempotency_key text        NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    text        NOT NULL,
    conversation_id bigint,     -- the turn's conversation once known (a new one is made when it is stored)
    status          text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'failed', 'done')),
    attempts        integer     NOT NULL DEFAULT 1,
    response        jsonb,      -- the 200 body, when done
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key),
    FOREIGN KEY (conversation_id, user_id) REFERENCES conversations (id, user_id) ON DELETE CASCADE,
    CHECK ((status = 'done') = (response IS NOT NULL))
);

-- chat_tool_effects: the effect of each writing tool call made in a keyed turn, keyed by
-- sha256(turn key, tool, canonical arguments). The tool inserts this row and makes its change in one
-- transaction; a repeat of the same call (the turn retried) finds the row and answers the stored
-- result without changing anything again.
CREATE TABLE chat_tool_effects (
    user_id    text        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 64),
    effect_key text        NOT NULL,
    tool       text        NOT NULL,
    result     jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, effect_key)
);
