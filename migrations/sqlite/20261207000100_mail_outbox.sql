-- Issue 15, mail out: notifications nothing can lose. Each message is written to the outbox
-- in the same transaction as the change that caused it (from `events::record`), rendered then
-- (subject, plain text and HTML), and sent by a background worker with retries: a committed
-- change is never without its mail, and a SIGKILL or an SMTP outage loses none.
--
-- `message_id` is the message's own Message-ID (with its angle brackets), unique: mail-in
-- threads a reply on it (In-Reply-To / References). `in_reply_to` and `references_hdr` (the References header) point at
-- the ticket's thread. `status` is 'pending' until the SMTP server took it ('sent') or refused
-- it for good ('failed': a 5xx answer, or 3 days of temporary failures). A pending message is
-- due at `next_attempt_at`; the worker leases it (moves that past the attempt's time-out) in
-- a committed write before sending. No foreign keys: the outbox outlives a deleted ticket.
create table mail_outbox (
    id              integer primary key,
    ticket          integer not null,
    followup        integer,
    event           integer,
    -- opened, followup, resolved, closed, assigned, updated
    kind            text    not null,
    recipient       text    not null,
    from_address    text    not null,
    subject         text    not null,
    message_id      text    not null unique,
    in_reply_to     text,
    references_hdr  text,
    body_text       text    not null,
    body_html       text    not null,
    status          text    not null default 'pending'
                    check (status in ('pending', 'sent', 'failed')),
    attempts        integer not null default 0,
    next_attempt_at text,
    last_attempt_at text,
    last_error      text    not null default '',
    smtp_code       integer,
    sent_at         text,
    created         text    not null
) strict;
create index mail_outbox_due on mail_outbox (next_attempt_at) where status = 'pending';
create index mail_outbox_ticket on mail_outbox (ticket, id);
create index mail_outbox_status on mail_outbox (status, id);

-- A user's own choice: 0 turns off every notification mailed to them.
alter table users add column email_notifications integer not null default 1
    check (email_notifications in (0, 1));

-- django-helpdesk's queue settings: addresses (comma-separated) copied on every new ticket,
-- and on every change or followup of a ticket of the queue.
alter table queues add column new_ticket_cc text;
alter table queues add column updated_ticket_cc text;
