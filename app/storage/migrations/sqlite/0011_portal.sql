-- The consumer portal: links an operator hands out (the one-time code stored hashed), the
-- callbacks each link covers (those created through it join), and the sessions opened from them
-- (the cookie's token stored hashed). Revoking a link ends its sessions: every portal request
-- reads the link's revoked_at.
CREATE TABLE portal_links (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    permissions TEXT NOT NULL,
    may_create_callbacks BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);

CREATE INDEX portal_links_account ON portal_links (account_id, created_at);

CREATE TABLE portal_link_callbacks (
    link_id TEXT NOT NULL REFERENCES portal_links (id),
    callback_id TEXT NOT NULL,
    PRIMARY KEY (link_id, callback_id)
);

CREATE TABLE portal_sessions (
    token_hash TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES portal_links (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX portal_sessions_link ON portal_sessions (link_id);

-- The headers each webhook POST carried (signature values, never a key), as JSON text, so the
-- deliveries log shows the request as it was sent; NULL for attempts made before this column.
ALTER TABLE attempts ADD COLUMN request_headers TEXT;
