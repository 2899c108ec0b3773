-- Issue 11.1: a ticket's version, bumped by every write that changes the ticket or adds a
-- followup to it. A form (and later the API's ETag / If-Match) remembers the version it was
-- drawn from; a save whose version is no longer current is refused instead of overwriting
-- what a colleague changed meanwhile.
alter table tickets add column version integer not null default 1;
