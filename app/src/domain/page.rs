//! Page-number pagination as Django REST framework's `PageNumberPagination` does it.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const INVALID_PAGE: &str = "Invalid page.";
pub const DEFAULT_PAGE_SIZE: u64 = 25;
pub const MAX_PAGE_SIZE: u64 = 100;

/// Which page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    /// `?page=` must be a positive number (else 404 "Invalid page."); a bad `?page_size=` means
    /// the default, as DRF does, but one over 100 is refused rather than silently cut, so that
    /// a client asking for everything learns that it gets pages.
    ///
    /// # Errors
    /// `NotFoundDetail("Invalid page.")`; `Validation` on `page_size` over 100.
    pub fn parse(page: Option<&str>, page_size: Option<&str>) -> Result<Self, AppError> {
        let page = match page.map(str::trim) {
            None | Some("") => 1,
            Some("last") => u64::MAX,
            Some(p) => match p.parse::<u64>() {
                // u64::MAX stands for "last" above, so it is no page number.
                Ok(n) if (1..u64::MAX).contains(&n) => n,
                _ => return Err(AppError::NotFoundDetail(INVALID_PAGE.to_owned())),
            },
        };
        let too_large = || {
            AppError::field(
                "page_size",
                format!("Ensure this value is less than or equal to {MAX_PAGE_SIZE}."),
            )
        };
        let page_size = match page_size.map(str::trim).filter(|s| !s.is_empty()) {
            None => DEFAULT_PAGE_SIZE,
            // All digits but too many for a u64 is still "too large", not "invalid".
            Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => match s.parse::<u64>() {
                Ok(0) => DEFAULT_PAGE_SIZE,
                Ok(n) if n <= MAX_PAGE_SIZE => n,
                _ => return Err(too_large()),
            },
            Some(_) => DEFAULT_PAGE_SIZE,
        };
        Ok(Self { page, page_size })
    }

    /// Resolves "last" and checks the page against the row count: page 1 always exists.
    ///
    /// # Errors
    /// `NotFoundDetail("Invalid page.")` for a page past the end.
    pub fn check(self, count: u64) -> Result<Self, AppError> {
        let pages = count.div_ceil(self.page_size).max(1);
        let page = if self.page == u64::MAX {
            pages
        } else {
            self.page
        };
        if page > pages {
            return Err(AppError::NotFoundDetail(INVALID_PAGE.to_owned()));
        }
        Ok(Self { page, ..self })
    }

    pub fn limit(self) -> i64 {
        self.page_size as i64
    }

    pub fn offset(self) -> i64 {
        ((self.page - 1).saturating_mul(self.page_size)).min(i64::MAX as u64) as i64
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub count: u64,
    pub request: PageRequest,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    pub fn has_next(&self) -> bool {
        self.request.page.saturating_mul(self.request.page_size) < self.count
    }

    pub fn has_previous(&self) -> bool {
        self.request.page > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_defaults_to_one_and_size_to_twenty_five_at_most_one_hundred() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest::default()
        );
        assert_eq!(
            PageRequest::parse(Some("2"), Some("100"))
                .unwrap()
                .page_size,
            100
        );
        for big in ["101", "500", "99999999999999999999999"] {
            let err = PageRequest::parse(Some("2"), Some(big)).unwrap_err();
            assert_eq!(err.status_code(), 400, "{big}");
            assert_eq!(
                err.field_messages("page_size"),
                ["Ensure this value is less than or equal to 100."]
            );
        }
        assert_eq!(PageRequest::parse(None, Some("x")).unwrap().page_size, 25);
        assert_eq!(PageRequest::parse(None, Some("0")).unwrap().page_size, 25);
    }

    #[test]
    fn a_non_numeric_or_past_the_end_page_is_invalid() {
        for bad in [
            "x",
            "0",
            "-1",
            "99999999999999999999999",
            "18446744073709551615",
        ] {
            assert_eq!(
                PageRequest::parse(Some(bad), None)
                    .unwrap_err()
                    .status_code(),
                404
            );
        }
        let p = PageRequest::parse(Some("3"), Some("10")).unwrap();
        assert!(p.check(21).is_ok());
        assert!(p.check(20).is_err());
        assert!(PageRequest::default().check(0).is_ok());
        assert_eq!(p.offset(), 20);
    }
}
