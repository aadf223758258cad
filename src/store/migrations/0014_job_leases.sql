-- 0014_job_leases: one row per background job (a link's pull or push, and
-- later feeds, the mailer, retention).  A runner takes the job's lease by
-- writing its holder token and an expiry; another process sharing the
-- database sees a held, unexpired lease and leaves the job alone, so two
-- servers on one database never run the same job at once.  A run that ends
-- frees the lease and records how it went; failures push not_before back
-- (retry with a growing pause).
CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL DEFAULT '',
    expires    INTEGER NOT NULL DEFAULT 0,  -- Unix time the lease runs out; 0: free
    not_before INTEGER NOT NULL DEFAULT 0,  -- no scheduled run before this time
    failures   INTEGER NOT NULL DEFAULT 0,  -- failed runs in a row
    last_start INTEGER NOT NULL DEFAULT 0,
    last_end   INTEGER NOT NULL DEFAULT 0,
    last_rc    INTEGER NOT NULL DEFAULT 0
);
