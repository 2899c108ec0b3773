-- Issue 11: each agent's time zone for the times the app shows, an IANA name such as
-- 'Europe/Berlin' (checked by the service). Empty means "the browser's own zone".
alter table users add column time_zone text not null default '';
