-- The list orders by due date with undated tickets last, both ways
-- (`due_date is null, due_date [desc], id [desc]`); these indexes have those exact orders, so
-- the sort reads a page's worth of entries instead of sorting the whole table. They replace
-- the plain due_date index, which served nothing else.
drop index tickets_due_date;
create index tickets_due_date_order on tickets (due_date is null, due_date, id);
create index tickets_due_date_order_desc on tickets (due_date is null, due_date desc, id desc);
