//! Reading a `multipart/form-data` body into its text fields and its files, for both front
//! doors (the REST API's `Payload` and the web forms' server functions), so that a part means
//! the same at either. Each door words the errors its own way; the rules are here:
//! - a part with a file name is a file, except that an empty file name is no file at all
//!   (a browser sends such a part, with no bytes, for a file input left empty);
//! - any other part is text, and must be UTF-8.

use crate::domain::attachment::UploadedFile;

/// A form's text fields, in order (a repeated name appears again), and its files.
#[derive(Debug, Default)]
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

/// Why a multipart body could not be read.
#[derive(Debug)]
pub enum MultipartError {
    /// The `Content-Type` names no boundary.
    NoBoundary,
    /// The stream is malformed, or reading it failed (for instance at the body size limit).
    Read(multer::Error),
    /// The text part of this field is not UTF-8.
    NotUtf8(String),
}

impl MultipartError {
    /// Whether reading stopped at a size limit (the request body's, or multer's own).
    pub fn is_too_large(&self) -> bool {
        let Self::Read(e) = self else {
            return false;
        };
        match e {
            multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
                true
            }
            multer::Error::StreamReadFailed(source) => {
                let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
                while let Some(c) = cause {
                    if c.is::<http_body_util::LengthLimitError>() {
                        return true;
                    }
                    cause = c.source();
                }
                false
            }
            _ => false,
        }
    }
}

/// Reads a request body sent with this `multipart/form-data` `Content-Type`.
///
/// # Errors
/// See [`MultipartError`].
pub async fn read_body(
    body: axum::body::Body,
    content_type: &str,
) -> Result<MultipartForm, MultipartError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| MultipartError::NoBoundary)?;
    read(multer::Multipart::new(body.into_data_stream(), boundary)).await
}

/// Reads every part of `multipart`.
///
/// # Errors
/// See [`MultipartError`].
pub async fn read(mut multipart: multer::Multipart<'_>) -> Result<MultipartForm, MultipartError> {
    let mut form = MultipartForm::default();
    while let Some(field) = multipart.next_field().await.map_err(MultipartError::Read)? {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field
            .content_type()
            .map(ToString::to_string)
            .unwrap_or_default();
        let bytes = field.bytes().await.map_err(MultipartError::Read)?;
        match filename {
            // A file input left empty: no file, not an error and not an empty attachment.
            Some(filename) if filename.is_empty() => {}
            Some(filename) => form.files.push(UploadedFile {
                field: name,
                filename,
                content_type,
                bytes: bytes.to_vec(),
            }),
            None => {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| MultipartError::NotUtf8(name.clone()))?;
                form.fields.push((name, text));
            }
        }
    }
    Ok(form)
}
