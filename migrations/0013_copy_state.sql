-- A copy's lifecycle gets its own column instead of sentinel strings in content_hash
-- ("pending", "deleted", "cancelled", and a series' hash + "+exceptions-pending").
-- content_hash now holds only the hash of what was written, or NULL when nothing settled was.
-- A row written without a state (as before) is a live copy.
ALTER TABLE event_mappings ADD COLUMN state text NOT NULL DEFAULT 'live';
ALTER TABLE event_mappings ALTER COLUMN content_hash DROP NOT NULL;

UPDATE event_mappings SET state = content_hash, content_hash = NULL
  WHERE content_hash IN ('pending', 'deleted', 'cancelled');
UPDATE event_mappings
  SET state = 'awaiting_exceptions',
    content_hash = left(content_hash, length(content_hash) - length('+exceptions-pending'))
  WHERE right(content_hash, length('+exceptions-pending')) = '+exceptions-pending';

ALTER TABLE event_mappings ADD CONSTRAINT event_mappings_state_check
  CHECK (state IN ('pending', 'live', 'deleted', 'cancelled', 'awaiting_exceptions'));
