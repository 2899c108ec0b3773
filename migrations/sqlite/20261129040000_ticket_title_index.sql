-- The ticket list sorts by title case-insensitively (`?ordering=title`); without this index
-- that sort reads and orders the whole table.
create index tickets_title on tickets (title collate nocase, id);
