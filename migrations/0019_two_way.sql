-- Two-way sync (issue 17): a config copies A → B, or both ways. The reverse pass (B → A) has its
-- own cursor; its mappings live in event_mappings under the same config, their source ids
-- prefixed (lib/sync/mappings.ts), so a config turns two-way and back in place.
ALTER TABLE sync_configs ADD COLUMN direction text NOT NULL DEFAULT 'one_way'
  CONSTRAINT sync_configs_direction_check CHECK (direction IN ('one_way', 'two_way'));
ALTER TABLE sync_configs ADD COLUMN reverse_sync_token text;
ALTER TABLE sync_configs ADD COLUMN reverse_window_end timestamptz;

-- What a run did per direction, and the conflicts it resolved (the loser's version kept).
ALTER TABLE sync_logs ADD COLUMN conflicts integer NOT NULL DEFAULT 0;
ALTER TABLE sync_logs ADD COLUMN a_to_b integer NOT NULL DEFAULT 0;
ALTER TABLE sync_logs ADD COLUMN b_to_a integer NOT NULL DEFAULT 0;
ALTER TABLE sync_logs ADD COLUMN conflict_details jsonb NOT NULL DEFAULT '[]'::jsonb;
