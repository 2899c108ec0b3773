-- Issue 14.4: signed webhooks. Endpoints are managed by superusers; each event of the log
-- (`events`) that an active endpoint subscribes to gets a delivery row, written in the same
-- transaction as the event (so in the same transaction as the change): a committed change is
-- never without its deliveries. A background worker sends due deliveries and records each
-- attempt; a delivery is done when `next_attempt_at` is null.
create table webhook_endpoints (
    id              integer primary key,
    url             text    not null,
    -- A JSON list of event types, or ["*"] for every type.
    events          text    not null check (json_valid(events)),
    active          integer not null default 1 check (active in (0, 1)),
    description     text    not null default '',
    -- `whsec_` + base64 of 24 random bytes; shown in full on creation and rotation only.
    secret          text    not null,
    -- Why the server turned the endpoint off: '' (it did not), 'gone' (the receiver answered
    -- 410) or 'failing' (every attempt failed for 3 days).
    disabled_reason text    not null default '',
    -- The first failed attempt since the last success, for the 3-day rule.
    failing_since   text,
    created         text    not null
) strict;

-- No foreign key to `events`: retention may purge an event whose last attempts are kept.
create table webhook_deliveries (
    id              integer primary key,
    endpoint        integer not null references webhook_endpoints (id) on delete cascade,
    event           integer not null,
    event_type      text    not null,
    attempts        integer not null default 0,
    -- The last attempt: the receiver's status, or the error when there was none; its latency.
    status_code     integer,
    error           text    not null default '',
    latency_ms      integer,
    last_attempt_at text,
    -- When to try (again); null once delivered or given up.
    next_attempt_at text,
    delivered_at    text,
    created         text    not null
) strict;
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
    where next_attempt_at is not null;
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint, id);
