-- Idempotency-Key records (issue 14.2): one per user and key, inserted by the transaction of
-- the write the request made; the answer (status, headers as a JSON list of pairs, body) is
-- added right after. `resource` (such as `tickets/7`) is what the write created, to answer a
-- retry from if the process died before the answer was stored. Deleted once expired.
create table idempotency_keys (
    user integer not null references users (id) on delete cascade,
    key text not null,
    fingerprint text not null,
    created_at text not null,
    expires_at text not null,
    resource text,
    status integer,
    headers text,
    body blob,
    primary key (user, key)
) strict;

create index idempotency_keys_expires_at on idempotency_keys (expires_at);
