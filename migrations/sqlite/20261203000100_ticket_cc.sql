-- Issue 11.3: the people copied on a ticket (django-helpdesk's TicketCC, by email). A merge
-- adds the merged ticket's submitter to the target's list. One row per address per ticket,
-- whatever its case.
create table ticket_cc (
    id     integer primary key,
    ticket integer not null references tickets (id) on delete cascade,
    email  text    not null,
    unique (ticket, email collate nocase)
) strict;
