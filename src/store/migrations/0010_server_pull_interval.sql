-- 0010_server_pull_interval: how often the background worker pulls from a
-- link (seconds; 0: only on demand).  Pushes follow publication instead.
ALTER TABLE servers ADD COLUMN pull_interval INTEGER NOT NULL DEFAULT 600;
