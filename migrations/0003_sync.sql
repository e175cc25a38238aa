-- The engine's extra bookkeeping. A mapping of an instance of a recurring series (an exception or
-- a cancelled occurrence) names its series, so deleting the series copy forgets its instances.
ALTER TABLE event_mappings ADD COLUMN source_recurring_id text;
CREATE INDEX event_mappings_series_idx ON event_mappings (config_id, source_recurring_id)
  WHERE source_recurring_id IS NOT NULL;
