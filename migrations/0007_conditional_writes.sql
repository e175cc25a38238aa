-- Conditional writes of copies (issue 10). The etag Google gave a copy at the engine's last write:
-- updates and deletes of the copy send it as If-Match, so an edit made in the destination since
-- then answers 412 and is noticed rather than silently lost. NULL (mappings older than this, or
-- a write not yet confirmed) sends no If-Match.
ALTER TABLE event_mappings ADD COLUMN dest_etag text;

-- Copies a run wrote over (or deleted) after someone had edited them in the destination.
ALTER TABLE sync_logs ADD COLUMN events_overwritten integer NOT NULL DEFAULT 0;
