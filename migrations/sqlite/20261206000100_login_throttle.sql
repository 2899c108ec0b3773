-- The sign-in throttle's counts (issue 13), shared by every server on this database. One row
-- per username or client address with a recent failure or an attempt being verified, named by
-- a keyed hash (`key_hash`, 32 hex digits; never the name or address itself). `failures` and
-- `in_flight` are JSON lists of "<timestamp> <hex>" strings (the failure's username hash, the
-- attempt's token), oldest first; the throttle bounds both. A row is deleted when it is empty,
-- or by any later write once `expires_at` (the UTC text form) has passed.
create table login_throttle (
    key_hash text primary key,
    failures text not null,
    in_flight text not null,
    expires_at text not null
) strict;

create index login_throttle_expires_at on login_throttle (expires_at);

-- The key of those hashes: one random value per database, made by the first server that needs
-- it, so that every server names a username alike.
create table login_throttle_secret (
    id integer primary key check (id = 1),
    secret text not null
) strict;
