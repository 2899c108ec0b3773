-- Free-text search (?q=) over title, description and submitter email: a trigram FTS5 index
-- answers "contains this text" without reading every ticket (measured at 100,000 tickets,
-- status=1 & q=printer: 41 ms with instr() over each row, 12 ms with this). Queries shorter
-- than three characters still use instr(). Kept in step with tickets by triggers.
create virtual table tickets_fts using fts5(
    title, description, submitter_email,
    content = 'tickets', content_rowid = 'id', tokenize = 'trigram'
);
insert into tickets_fts (tickets_fts) values ('rebuild');

create trigger tickets_fts_insert after insert on tickets begin
    insert into tickets_fts (rowid, title, description, submitter_email)
    values (new.id, new.title, new.description, new.submitter_email);
end;

create trigger tickets_fts_delete after delete on tickets begin
    insert into tickets_fts (tickets_fts, rowid, title, description, submitter_email)
    values ('delete', old.id, old.title, old.description, old.submitter_email);
end;

create trigger tickets_fts_update after update of title, description, submitter_email on tickets
begin
    insert into tickets_fts (tickets_fts, rowid, title, description, submitter_email)
    values ('delete', old.id, old.title, old.description, old.submitter_email);
    insert into tickets_fts (rowid, title, description, submitter_email)
    values (new.id, new.title, new.description, new.submitter_email);
end;
