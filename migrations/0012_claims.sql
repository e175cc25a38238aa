-- When a scheduler or CLI pass last claimed the config: `deno task sync --all` runs every active
-- config not claimed since its pass began, so two passes at once share the work instead of
-- running configs twice.
ALTER TABLE sync_configs ADD COLUMN claimed_at timestamptz;
