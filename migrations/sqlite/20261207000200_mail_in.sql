-- Issue 15, mail in. `mail_received`: the Message-ID of every message filed from mail, so a
-- message delivered twice (an MTA's retry, a poller restarted before it marked the message
-- seen, one message sent to two queue addresses) is filed once. The primary key makes two
-- deliveries of one id meet: the first claims the id (`ticket` null) before it files, and
-- records the ticket and followup it became after. The filing itself writes the id on its
-- followup (`followups.message_id`) in the filing's own transaction, so a claim whose filer
-- died is settled by looking there (see service::mail::filing).
-- No foreign keys: the record outlives a deleted ticket, so a late redelivery of its message
-- does not open the ticket again.
create table mail_received (
    message_id text    primary key,
    ticket     integer,
    followup   integer,
    -- When the id was claimed (`to_db` form).
    received   text    not null
) strict;

-- Senders whose mail is never filed (superusers manage it): an address, or a pattern with
-- `*` wildcards such as `*@noreply.example.com`, stored lowercase.
create table mail_ignore (
    id      integer primary key,
    pattern text    not null unique,
    note    text    not null default '',
    created text    not null
) strict;

-- Threading looks up the Message-IDs a reply names among the followups received by mail.
create index followups_message_id on followups (message_id) where message_id is not null;
