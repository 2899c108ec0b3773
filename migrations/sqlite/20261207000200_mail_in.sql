-- Issue 15, mail in. `mail_received`: the Message-ID of every message filed from mail, written
-- in the same transaction as the ticket or followup it became, so a message delivered twice
-- (an MTA retry, a poller restarted before it marked the message seen) is filed once. The
-- primary key is the dedupe: a second filing of one id fails its insert and rolls back.
-- No foreign keys: the record outlives a deleted ticket, so a late redelivery of its
-- message does not open the ticket again.
create table mail_received (
    message_id text    primary key,
    ticket     integer not null,
    followup   integer,
    received   text    not null
) strict;

-- Senders whose mail is never filed (superusers manage it): an address, or `*@domain`, a
-- pattern with `*` wildcards, stored lowercase.
create table mail_ignore (
    id      integer primary key,
    pattern text    not null unique,
    note    text    not null default '',
    created text    not null
) strict;

-- Threading looks up the Message-IDs a reply names among the followups received by mail.
create index followups_message_id on followups (message_id) where message_id is not null;
