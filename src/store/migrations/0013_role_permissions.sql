-- Role permissions as one column per permission, named as MISP names them
-- (perm_add, perm_modify, ...), instead of the bit set `perms` whose meaning
-- depended on the order of enum role_perm (core/model.h): the store maps each
-- column to the enum by its name (role_perm_names), so reordering or adding
-- permissions no longer changes what a stored role means.  The bit positions
-- below are those 0001_init wrote (and every version up to 0012 read), fixed
-- here once and for all.

ALTER TABLE roles ADD COLUMN perm_add INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_modify INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_modify_org INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_publish INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_delegate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_sync INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_audit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_auth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_site_admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_regexp_access INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_tagger INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_template INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_sharing_group INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_tag_editor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_sighting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_object_template INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_publish_zmq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_publish_kafka INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_decaying INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_galaxy_editor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_warninglist INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_view_feed_correlations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_analyst_data INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_skip_otp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN perm_server_sign INTEGER NOT NULL DEFAULT 0;

UPDATE roles SET
    perm_add = (perms >> 0) & 1,
    perm_modify = (perms >> 1) & 1,
    perm_modify_org = (perms >> 2) & 1,
    perm_publish = (perms >> 3) & 1,
    perm_delegate = (perms >> 4) & 1,
    perm_sync = (perms >> 5) & 1,
    perm_admin = (perms >> 6) & 1,
    perm_audit = (perms >> 7) & 1,
    perm_auth = (perms >> 8) & 1,
    perm_site_admin = (perms >> 9) & 1,
    perm_regexp_access = (perms >> 10) & 1,
    perm_tagger = (perms >> 11) & 1,
    perm_template = (perms >> 12) & 1,
    perm_sharing_group = (perms >> 13) & 1,
    perm_tag_editor = (perms >> 14) & 1,
    perm_sighting = (perms >> 15) & 1,
    perm_object_template = (perms >> 16) & 1,
    perm_publish_zmq = (perms >> 17) & 1,
    perm_publish_kafka = (perms >> 18) & 1,
    perm_decaying = (perms >> 19) & 1,
    perm_galaxy_editor = (perms >> 20) & 1,
    perm_warninglist = (perms >> 21) & 1,
    perm_view_feed_correlations = (perms >> 22) & 1,
    perm_analyst_data = (perms >> 23) & 1,
    perm_skip_otp = (perms >> 24) & 1,
    perm_server_sign = (perms >> 25) & 1;

ALTER TABLE roles DROP COLUMN perms;
