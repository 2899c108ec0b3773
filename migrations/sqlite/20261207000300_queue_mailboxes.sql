-- Issue 15: a queue's mailbox, polled over IMAP by the server. One row per queue at most, set
-- by superusers on the queue's admin page. The password is write-only (never read back out
-- through the API or the pages). `lease_until` lets one server of several poll a mailbox at a
-- time: a server claims it with an update that only succeeds once the last lease has expired.
create table queue_mailboxes (
    queue         integer primary key references queues (id) on delete cascade,
    host          text    not null,
    port          integer not null check (port between 1 and 65535),
    -- 'tls' (implicit TLS, usually 993) or 'starttls' (usually 143).
    security      text    not null check (security in ('tls', 'starttls')),
    username      text    not null,
    password      text    not null,
    folder        text    not null default 'INBOX',
    -- After a message is filed: 'move' it to `done_folder`, or 'delete' it.
    after_filing  text    not null default 'move' check (after_filing in ('move', 'delete')),
    done_folder   text    not null default 'helpdesk-filed',
    poll_seconds  integer not null default 60 check (poll_seconds >= 5),
    enabled       integer not null default 1 check (enabled in (0, 1)),
    -- State, written by the poller.
    last_poll_at  text,
    last_error    text    not null default '',
    lease_until   text
) strict;
