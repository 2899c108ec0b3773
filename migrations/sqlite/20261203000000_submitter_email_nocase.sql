-- Issue 11.10: a submitter's tickets are found by email case-insensitively
-- (`Customer481@Example.com` owns `customer481@example.com`'s tickets). The list compares
-- `submitter_email = ? collate nocase` and orders by `created`; this index has that collation
-- and order, so "my tickets" stays an index range, not a table scan.
create index tickets_submitter_email_nocase_created
    on tickets (submitter_email collate nocase, created);
