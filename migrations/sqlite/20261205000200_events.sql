-- Issue 14.3: the event log behind the change feed (`GET /api/changes/`), and later webhooks
-- and mail notifications. Every committed change to a ticket, followup or attachment writes
-- its row here in the same transaction as the change itself (an outbox): a change is never
-- committed without its event, nor an event without its change.
--
-- `id` orders the log. `autoincrement` so that an id is never used twice, even after the
-- newest rows were purged: a consumer's cursor must never point at a later, different event.
-- No foreign keys: the event of a deletion outlives the ticket, and a deleted user's events
-- keep the id they had. `data` is the object as the API showed it after the change (for a
-- deletion only its last id and title); `changes` is `{"field": [old, new]}` on
-- `ticket.updated` only. Rows are never updated; retention deletes the oldest.
create table events (
    id      integer primary key autoincrement,
    type    text    not null,
    at      text    not null,
    actor   integer,
    ticket  integer not null,
    data    text    not null check (json_valid(data)),
    changes text    check (changes is null or json_valid(changes))
) strict;
-- The retention purge looks for old rows by time.
create index events_at on events (at);

-- The highest event id the retention purge has deleted (one row). A cursor below it has
-- missed events and must resync (410 Gone), even when the log is empty.
create table events_purged (
    id         integer primary key check (id = 1),
    through_id integer not null check (through_id >= 0)
) strict;
insert into events_purged (id, through_id) values (1, 0);
