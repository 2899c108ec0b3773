//! Reading a request body the way Django REST framework's parsers do: a JSON object, or a
//! `multipart/form-data` form (text parts as strings, file parts kept aside), or nothing.
//! The size limit (`Settings.max_body_bytes`) is enforced by `security::request_limits`, so an
//! oversized body is refused with 413 before it is all in memory.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde_json::Value;

use app::domain::attachment::UploadedFile;
use app::domain::input::{Body, type_name};
use app::error::AppError;

use crate::state::AppState;

/// A parsed request body: its fields as an object, and any uploaded files.
#[derive(Debug, Default)]
pub struct Payload {
    pub body: Body,
    pub files: Vec<UploadedFile>,
}

fn too_large_or(status: StatusCode, other: impl FnOnce() -> AppError) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        other()
    }
}

/// Decodes a JSON body, which must be an object.
///
/// # Errors
/// `BadRequest` with DRF's messages for malformed JSON and for a JSON value that is not an
/// object.
pub fn parse_json(bytes: &[u8]) -> Result<Body, AppError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(AppError::BadRequest(format!(
            "Invalid data. Expected a dictionary, but got {}.",
            type_name(&other)
        ))),
        Err(e) => Err(AppError::BadRequest(format!("JSON parse error - {e}"))),
    }
}

/// Decodes an `application/x-www-form-urlencoded` body; the last of repeated keys wins, as
/// Django's QueryDict.get does.
pub fn parse_urlencoded(bytes: &[u8]) -> Body {
    let mut body = Body::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        body.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    body
}

impl FromRequest<AppState> for Payload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
            .unwrap_or_default();
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let empty_declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        match media.as_str() {
            "multipart/form-data" => {
                if empty_declared {
                    return Ok(Payload::default());
                }
                read_multipart(req, &content_type).await
            }
            "" | "application/json" => {
                let bytes = Bytes::from_request(req, state).await.map_err(|r| {
                    too_large_or(r.status(), || {
                        AppError::BadRequest("The request body could not be read.".to_owned())
                    })
                })?;
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Ok(Payload::default());
                }
                Ok(Payload {
                    body: parse_json(&bytes)?,
                    files: Vec::new(),
                })
            }
            // DRF's FormParser: what `curl -d 'a=1&b=2'` sends by default.
            "application/x-www-form-urlencoded" => {
                let bytes = Bytes::from_request(req, state).await.map_err(|r| {
                    too_large_or(r.status(), || {
                        AppError::BadRequest("The request body could not be read.".to_owned())
                    })
                })?;
                Ok(Payload {
                    body: parse_urlencoded(&bytes),
                    files: Vec::new(),
                })
            }
            _ if media.ends_with("+json") => {
                let bytes = Bytes::from_request(req, state).await.map_err(|r| {
                    too_large_or(r.status(), || {
                        AppError::BadRequest("The request body could not be read.".to_owned())
                    })
                })?;
                Ok(Payload {
                    body: parse_json(&bytes)?,
                    files: Vec::new(),
                })
            }
            _ => Err(AppError::UnsupportedMediaType(format!(
                "Unsupported media type \"{content_type}\" in request."
            ))),
        }
    }
}

/// Reads a multipart body with the reader the web forms use (`app::multipart`), worded as DRF's
/// MultiPartParser words its errors.
async fn read_multipart(req: Request, content_type: &str) -> Result<Payload, AppError> {
    use app::multipart::MultipartError;
    let parse_error =
        |detail: String| AppError::BadRequest(format!("Multipart form parse error - {detail}"));
    let form = app::multipart::read_body(req.into_body(), content_type)
        .await
        .map_err(|e| match e {
            e if e.is_too_large() => AppError::PayloadTooLarge,
            MultipartError::NoBoundary => {
                parse_error("Invalid `boundary` for `multipart/form-data` request".to_owned())
            }
            MultipartError::Read(e) => parse_error(e.to_string()),
            MultipartError::NotUtf8(name) => {
                parse_error(format!("the field \"{name}\" is not valid UTF-8"))
            }
        })?;
    let mut payload = Payload {
        files: form.files,
        ..Payload::default()
    };
    // As Django's QueryDict.get: the last of repeated text parts wins.
    for (name, text) in form.fields {
        payload.body.insert(name, Value::String(text));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_that_is_not_an_object_names_its_type() {
        for (body, ty) in [
            ("[]", "list"),
            ("\"x\"", "str"),
            ("1", "int"),
            ("1.5", "float"),
            ("true", "bool"),
            ("null", "NoneType"),
        ] {
            assert_eq!(
                parse_json(body.as_bytes()).unwrap_err().to_string(),
                format!("Invalid data. Expected a dictionary, but got {ty}.")
            );
        }
        assert!(
            parse_json(b"{\"a\":")
                .unwrap_err()
                .to_string()
                .starts_with("JSON parse error - ")
        );
        assert!(parse_json(b"{}").unwrap().is_empty());
    }

    #[test]
    fn url_encoded_forms_decode_plus_and_percent_escapes() {
        let body =
            parse_urlencoded(b"title=Printer+on%20fire&queue=1&q=%E2%9C%93&bad=%zz&queue=2&x");
        assert_eq!(body["title"], "Printer on fire");
        assert_eq!(body["queue"], "2");
        assert_eq!(body["q"], "\u{2713}");
        assert_eq!(body["bad"], "%zz");
        assert_eq!(body["x"], "");
        assert_eq!(parse_urlencoded(b"a=%").get("a").unwrap(), "%");
        assert_eq!(parse_urlencoded(b"a=%4").get("a").unwrap(), "%4");
    }
}
