//! Files attached to followups: the wire shape, an uploaded file, and safe file names.

use serde::{Deserialize, Serialize};

/// A followup attachment as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: i64,
    pub followup: i64,
    pub filename: String,
    pub mime_type: String,
    pub size: i64,
    /// Root-relative; answers with the bytes to staff.
    pub url: String,
}

impl Attachment {
    pub fn download_path(id: i64) -> String {
        format!("/api/followups-attachments/{id}/download/")
    }
}

/// A file part of a multipart request, as received.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The form field it came in (`attachment`, `attachments`, `file`).
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Makes a client's file name safe to use as one path component: the last component after
/// `/` and `\`, no control characters, no leading dots or surrounding spaces, at most 200
/// bytes; "attachment" when nothing is left or only dots are. Names that merely contain `..`
/// (`report..v2.pdf`) are kept as they are.
pub fn safe_filename(raw: &str) -> String {
    // One pass can expose what another must remove (". .." trims to ".."), so repeat until
    // nothing changes; each pass shortens the name or returns it, so this ends.
    let mut name = clean_once(raw);
    loop {
        let next = clean_once(&name);
        if next == name {
            break;
        }
        name = next;
    }
    if name.chars().all(|c| c == '.') {
        "attachment".to_owned()
    } else {
        name
    }
}

fn clean_once(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let mut cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    // File systems limit a name to 255 bytes: keep at most 200, on a character boundary.
    while cleaned.len() > 200 {
        cleaned.pop();
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_traversal_and_control_characters_are_removed_from_file_names() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("..\\..\\win.ini"), "win.ini");
        assert_eq!(safe_filename(".htaccess"), "htaccess");
        assert_eq!(safe_filename("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(safe_filename(".."), "attachment");
        assert_eq!(safe_filename(""), "attachment");
        assert_eq!(safe_filename("dir/"), "attachment");
        assert_eq!(safe_filename("résumé 1.pdf"), "résumé 1.pdf");
        assert_eq!(safe_filename("a/. ../b/c\\d"), "d");
        let long = safe_filename(&"🙂".repeat(100));
        assert!(
            long.len() <= 200 && long.starts_with('🙂'),
            "{}",
            long.len()
        );
    }

    #[test]
    fn names_made_only_of_dots_never_come_back_and_inner_dots_are_kept() {
        for raw in [". ..", ".. .", ". . .", "...", " . ", "x/. ..", ". ..\u{0}"] {
            assert_eq!(safe_filename(raw), "attachment", "{raw:?}");
        }
        assert_eq!(safe_filename(". ..x"), "x");
        assert_eq!(safe_filename("report..v2.pdf"), "report..v2.pdf");
        assert_eq!(safe_filename("notes.."), "notes..");
        // Whatever comes in, the result is stable and one plain path component.
        for raw in [
            ". ..",
            ". ..x",
            " .. . .. a",
            "a\\. ..",
            format!("{} .x", " ".repeat(300)).as_str(),
        ] {
            let once = safe_filename(raw);
            assert_eq!(safe_filename(&once), once, "{raw:?}");
            assert!(
                matches!(
                    std::path::Path::new(&once).components().collect::<Vec<_>>()[..],
                    [std::path::Component::Normal(_)]
                ),
                "{raw:?} -> {once:?}"
            );
        }
    }
}

/// An attachment added to an existing followup (`POST /api/followups-attachments/`), as
/// sent: the form's fields and the files. Not parsed yet (the service parses it after
/// checking the caller's permission).
#[derive(Debug)]
pub struct AttachmentInput {
    pub body: super::input::Body,
    pub files: Vec<UploadedFile>,
}

impl AttachmentInput {
    pub fn from_parts(body: &super::input::Body, files: Vec<UploadedFile>) -> Self {
        Self {
            body: body.clone(),
            files,
        }
    }
}

/// A file to attach, valid by construction (the service checks that the followup exists).
#[derive(Debug)]
pub struct NewAttachment {
    pub followup: i64,
    pub file: UploadedFile,
}

impl NewAttachment {
    /// `followup` from the form, the file from the `file` part (or the first file sent).
    ///
    /// # Errors
    /// Every missing or bad field, with DRF's messages.
    pub fn parse(input: AttachmentInput) -> Result<Self, crate::error::ErrorBag> {
        use super::input::{self, WriteMode};
        let mut errors = crate::error::ErrorBag::new();
        let followup = input::required(
            &input.body,
            "followup",
            WriteMode::Create,
            &mut errors,
            input::as_pk,
        );
        let mut files = input.files;
        let pos = files.iter().position(|f| f.field == "file").unwrap_or(0);
        let file = if files.is_empty() {
            errors.add("file", "No file was submitted.");
            None
        } else {
            Some(files.swap_remove(pos))
        };
        // A missing or bad field has its error in `errors` already.
        let (Some(followup), Some(file)) = (followup, file) else {
            return Err(errors);
        };
        errors.check()?;
        Ok(Self { followup, file })
    }

    /// The followup `body` names, when it reads as an id, for the service to look up.
    pub fn followup_ref(body: &super::input::Body) -> Option<i64> {
        body.get("followup")
            .and_then(|v| super::input::as_pk(v).ok())
    }
}
