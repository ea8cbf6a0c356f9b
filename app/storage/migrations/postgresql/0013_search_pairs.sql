-- Message search with a common filter and a rare one (issue 15): the rare statuses (partial,
-- as messages_search_status) within a definition or a channel, newest first. Without them a
-- search walked the common filter's index and skipped the many rows of the other statuses.
-- A recipient's own messages are few: its index serves a recipient with a status as it is.
-- Sent messages are not in these indexes, so the send path pays for them only while a message
-- is queued, and on the update that takes it out.
CREATE INDEX messages_search_definition_status ON messages
    (account_id, lower(definition_key), status, created_at, id) WHERE status <> 'sent';
CREATE INDEX messages_search_channel_status ON messages
    (account_id, channel, status, created_at, id) WHERE status <> 'sent';
