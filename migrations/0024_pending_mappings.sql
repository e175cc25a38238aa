-- A two-way run with nothing listed on either side reads no mapping, but must still find the
-- copies a killed run left pending (lib/sync/two_way.ts): this index answers that without
-- reading the config's other mappings.
CREATE INDEX event_mappings_pending_idx ON event_mappings (config_id) WHERE state = 'pending';
