//! Mail (issue 15): notifications out, tickets and replies in.

mod filing;
pub mod ignore;
pub mod receive;
