-- tower-sessions-sqlx-store binds expiry_date as TEXT (a formatted OffsetDateTime). The STRICT
-- table of the initial migration refused it, so every session save failed and sign-in
-- answered 500. Recreate the table as the store itself defines it (not STRICT); no session
-- could have been saved before, so nothing is lost.
drop table if exists tower_sessions;
create table tower_sessions (
    id          text    primary key not null,
    data        blob    not null,
    expiry_date integer not null
);
