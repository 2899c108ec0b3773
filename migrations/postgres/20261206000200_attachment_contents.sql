-- The bytes of attachments kept in the database (HELPDESK_ATTACHMENT_STORE=database, the
-- default on PostgreSQL), so that every server over one database serves them. Written in the
-- transaction that inserts the attachment row; deleted with it (and so with its followup and
-- ticket) by the cascade. Attachments stored as files have no row here: their
-- followup_attachments.file names them.
create table attachment_contents (
    attachment bigint primary key references followup_attachments (id) on delete cascade,
    bytes      bytea  not null
);
