//! Pieces shared by pages.

pub mod banner;
pub mod draft;
pub mod error;
pub mod form;
pub mod layout;
pub mod time;
