-- Free-text search (?q=) also finds text in custom field values (issue 11): a trigram FTS5
-- index over ticket_custom_field_values.value, kept in step by triggers, as tickets_fts is.
create virtual table ticket_custom_values_fts using fts5(
    value,
    content = 'ticket_custom_field_values', content_rowid = 'id', tokenize = 'trigram'
);
insert into ticket_custom_values_fts (ticket_custom_values_fts) values ('rebuild');

create trigger ticket_custom_values_fts_insert after insert on ticket_custom_field_values begin
    insert into ticket_custom_values_fts (rowid, value) values (new.id, new.value);
end;

create trigger ticket_custom_values_fts_delete after delete on ticket_custom_field_values begin
    insert into ticket_custom_values_fts (ticket_custom_values_fts, rowid, value)
    values ('delete', old.id, old.value);
end;

create trigger ticket_custom_values_fts_update after update of value on ticket_custom_field_values
begin
    insert into ticket_custom_values_fts (ticket_custom_values_fts, rowid, value)
    values ('delete', old.id, old.value);
    insert into ticket_custom_values_fts (rowid, value) values (new.id, new.value);
end;
