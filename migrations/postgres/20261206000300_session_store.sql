-- The session table tower-sessions' PostgresStore reads and writes (its own `migrate()` makes
-- the same). Here rather than at start-up, so servers starting together never race to create
-- it: sqlx runs migrations under a lock. (SQLite's `tower_sessions` table is in the initial
-- migration.)
create schema if not exists tower_sessions;
create table if not exists tower_sessions.session (
    id          text primary key not null,
    data        bytea not null,
    expiry_date timestamptz not null
);
