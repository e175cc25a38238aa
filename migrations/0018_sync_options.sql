-- Sync options (issue 14): what a copy shows (`options`: privacy, fields, marking; the filters
-- live in the existing `filters` column), and the mass-deletion guard: a run that would remove
-- too many copies holds them (`held_deletions`, status `needs_review`) until the owner approves
-- (`deletions_approved`, used up by the next run) or pauses the sync.
ALTER TABLE sync_configs ADD COLUMN options jsonb NOT NULL DEFAULT '{}';
ALTER TABLE sync_configs ADD COLUMN deletions_approved boolean NOT NULL DEFAULT false;
ALTER TABLE sync_configs ADD COLUMN held_deletions integer NOT NULL DEFAULT 0;

ALTER TABLE sync_logs DROP CONSTRAINT sync_logs_status_check;
ALTER TABLE sync_logs ADD CONSTRAINT sync_logs_status_check
  CHECK (status IN ('running', 'success', 'partial', 'failed', 'needs_reconnect', 'interrupted',
    'needs_review'));
