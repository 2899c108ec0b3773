//! Pieces shared by pages.

pub mod error;
pub mod form;
pub mod layout;
