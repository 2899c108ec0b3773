//! The two front doors: HTTP Basic auth (and the session cookie) for the REST API, and the
//! cross-site request check for everything that uses the cookie.

pub mod basic;
pub mod csrf;
pub mod pages;
