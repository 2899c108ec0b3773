-- The whole data model of the helpdesk (issue 2). Later work adds behaviour, not tables.
-- Datetimes are TEXT in one fixed UTC form, 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so that they sort
-- as strings and keep microseconds. Booleans are INTEGER 0/1 (STRICT has no BOOLEAN).

create table users (
    id            integer primary key,
    username      text    not null unique,
    email         text    not null default '',
    first_name    text    not null default '',
    last_name     text    not null default '',
    password_hash text    not null,
    is_active     integer not null default 1 check (is_active in (0, 1)),
    is_staff      integer not null default 0 check (is_staff in (0, 1)),
    is_superuser  integer not null default 0 check (is_superuser in (0, 1)),
    date_joined   text    not null,
    last_login    text
) strict;
create index users_email on users (email);

create table queues (
    id                      integer primary key,
    title                   text    not null,
    slug                    text    not null unique,
    email_address           text,
    allow_public_submission integer not null default 0 check (allow_public_submission in (0, 1)),
    default_owner           integer references users (id) on delete set null
) strict;

create table tickets (
    id              integer primary key,
    title           text    not null,
    queue           integer not null references queues (id) on delete restrict,
    created         text    not null,
    modified        text    not null,
    submitter_email text,
    assigned_to     integer references users (id) on delete set null,
    status          integer not null default 1 check (status between 1 and 5),
    on_hold         integer not null default 0 check (on_hold in (0, 1)),
    description     text    not null default '',
    resolution      text,
    priority        integer not null default 3 check (priority between 1 and 5),
    due_date        text,
    secret_key      text    not null,
    merged_to       integer references tickets (id) on delete set null
) strict;
create index tickets_status_id on tickets (status, id);
create index tickets_queue_id on tickets (queue, id);
create index tickets_assigned_to_id on tickets (assigned_to, id);
create index tickets_submitter_email_created on tickets (submitter_email, created);
create index tickets_created on tickets (created);
create index tickets_modified on tickets (modified);
create index tickets_priority_id on tickets (priority, id);
create index tickets_due_date on tickets (due_date);
create index tickets_merged_to on tickets (merged_to);

create table followups (
    id         integer primary key,
    ticket     integer not null references tickets (id) on delete cascade,
    date       text    not null,
    title      text,
    comment    text,
    public     integer not null default 0 check (public in (0, 1)),
    user       integer references users (id) on delete set null,
    new_status integer check (new_status between 1 and 5),
    -- seconds; the API shows it as HH:MM:SS
    time_spent integer check (time_spent >= 0),
    message_id text
) strict;
create index followups_ticket_date on followups (ticket, date, id);
create index followups_user on followups (user);

-- The audit trail: one row per changed field, on the followup that changed it.
create table ticket_changes (
    id        integer primary key,
    followup  integer not null references followups (id) on delete cascade,
    field     text    not null,
    old_value text,
    new_value text
) strict;
create index ticket_changes_followup on ticket_changes (followup);

create table followup_attachments (
    id        integer primary key,
    followup  integer not null references followups (id) on delete cascade,
    -- relative to the media root
    file      text    not null,
    filename  text    not null,
    mime_type text    not null,
    size      integer not null check (size >= 0)
) strict;
create index followup_attachments_followup on followup_attachments (followup, filename);

create table custom_fields (
    id                   integer primary key,
    name                 text    not null unique,
    label                text    not null,
    help_text            text    not null default '',
    data_type            text    not null check (data_type in (
        'varchar', 'text', 'integer', 'decimal', 'list', 'boolean', 'date', 'time',
        'datetime', 'email', 'url', 'ipaddress', 'slug')),
    max_length           integer check (max_length >= 0),
    decimal_places       integer check (decimal_places >= 0),
    list_values          text    not null default '',
    empty_selection_list integer not null default 0 check (empty_selection_list in (0, 1)),
    required             integer not null default 0 check (required in (0, 1)),
    staff_only           integer not null default 0 check (staff_only in (0, 1)),
    ordering             integer
) strict;

-- One value per ticket and field, kept as the text of its canonical JSON form's content.
create table ticket_custom_field_values (
    id     integer primary key,
    ticket integer not null references tickets (id) on delete cascade,
    field  integer not null references custom_fields (id) on delete cascade,
    value  text,
    unique (ticket, field)
) strict;
create index ticket_custom_field_values_field on ticket_custom_field_values (field);

-- The table tower-sessions-sqlx-store uses, exactly as its migrate() makes it (not STRICT:
-- the store binds expiry_date as text).
create table if not exists tower_sessions (
    id          text    primary key not null,
    data        blob    not null,
    expiry_date integer not null
);
