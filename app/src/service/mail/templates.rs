//! The wording of every notification, in one place: each kind of message as plain text and as
//! HTML (every value escaped). `outbox` decides who gets which kind and fills in a `Notice`;
//! this module only writes.

use std::fmt::Write as _;

/// Which message, by what happened and for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// To the submitter: the ticket was opened, with the link to follow it without an account.
    Opened,
    /// To the queue's copy addresses: a new ticket.
    NewTicket,
    /// To the submitter: a public followup.
    Followup,
    /// To the submitter: resolved, with the resolution.
    Resolved,
    /// To the submitter: closed.
    Closed,
    /// To the assignee: the ticket is now theirs.
    Assigned,
    /// To the assignee and the queue's copy addresses: a followup or a change by someone else.
    Updated,
}

impl Kind {
    /// The name stored in `mail_outbox.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Opened => "opened",
            Kind::NewTicket => "new_ticket",
            Kind::Followup => "followup",
            Kind::Resolved => "resolved",
            Kind::Closed => "closed",
            Kind::Assigned => "assigned",
            Kind::Updated => "updated",
        }
    }

    /// What the subject adds after the title, as django-helpdesk's subjects do.
    fn suffix(self) -> &'static str {
        match self {
            Kind::Opened | Kind::NewTicket => "(Opened)",
            Kind::Followup | Kind::Updated => "(Updated)",
            Kind::Resolved => "(Resolved)",
            Kind::Closed => "(Closed)",
            Kind::Assigned => "(Assigned to you)",
        }
    }
}

/// Everything a message shows.
#[derive(Debug, Clone, Default)]
pub struct Notice {
    /// The tag `[slug-id]`, which mail-in reads back from replies.
    pub tag: String,
    pub ticket_id: i64,
    pub title: String,
    pub queue: String,
    pub status: String,
    /// The page to follow the ticket: the portal's for the submitter, the ticket page for staff.
    pub link: String,
    /// Who did it, for staff messages ("Ann Agent", or the submitter's address).
    pub actor: String,
    /// The followup's text, when it has one this reader may see.
    pub comment: Option<String>,
    /// Whether `comment` is internal (staff only): said so in staff messages.
    pub internal: bool,
    pub description: Option<String>,
    pub resolution: Option<String>,
    /// Changed fields for staff: (field, old, new), already in words.
    pub changes: Vec<(String, String, String)>,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `[slug-id]`: the subject tag.
pub fn tag(slug: &str, id: i64) -> String {
    format!("[{slug}-{id}]")
}

/// HTML-escapes `s` for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The first line: what happened, in words for this reader.
fn headline(kind: Kind, n: &Notice) -> String {
    let id = n.ticket_id;
    match kind {
        Kind::Opened => format!(
            "Thank you: your request has been received as ticket #{id}. We will be in touch \
             by email; you can also follow the ticket and reply with the link below, no \
             account needed."
        ),
        Kind::NewTicket => format!("A new ticket #{id} was opened in the queue {}.", n.queue),
        Kind::Followup => format!("There is a new reply on your ticket #{id}."),
        Kind::Resolved => format!("Your ticket #{id} has been resolved."),
        Kind::Closed => format!("Your ticket #{id} has been closed."),
        Kind::Assigned => format!("Ticket #{id} has been assigned to you by {}.", n.actor),
        Kind::Updated => format!("Ticket #{id} was updated by {}.", n.actor),
    }
}

/// Renders `kind` for `n`.
pub fn render(kind: Kind, n: &Notice) -> Rendered {
    let subject = format!("{} {} {}", n.tag, one_line(&n.title), kind.suffix());
    let head = headline(kind, n);
    let comment_label = if n.internal {
        "Internal comment (staff only)"
    } else {
        "Comment"
    };

    let mut text = String::new();
    let _ = writeln!(text, "{head}\n");
    let _ = writeln!(text, "Ticket: {} {}", n.tag, n.title);
    let _ = writeln!(text, "Queue: {}", n.queue);
    let _ = writeln!(text, "Status: {}", n.status);
    for (field, old, new) in &n.changes {
        let _ = writeln!(text, "Changed {field}: {old} -> {new}");
    }
    if let Some(r) = &n.resolution {
        let _ = writeln!(text, "\nResolution:\n{r}");
    }
    if let Some(d) = &n.description {
        let _ = writeln!(text, "\nDescription:\n{d}");
    }
    if let Some(c) = &n.comment {
        let _ = writeln!(text, "\n{comment_label}:\n{c}");
    }
    let _ = writeln!(text, "\nFollow the ticket: {}", n.link);
    let _ = writeln!(
        text,
        "\nReply to this message to add to the ticket; keep {} in the subject.",
        n.tag
    );

    let mut html = String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>");
    let _ = write!(html, "<p>{}</p>", escape(&head));
    let _ = write!(
        html,
        "<table><tr><th align=\"left\">Ticket</th><td>{} {}</td></tr>\
         <tr><th align=\"left\">Queue</th><td>{}</td></tr>\
         <tr><th align=\"left\">Status</th><td>{}</td></tr>",
        escape(&n.tag),
        escape(&n.title),
        escape(&n.queue),
        escape(&n.status)
    );
    for (field, old, new) in &n.changes {
        let _ = write!(
            html,
            "<tr><th align=\"left\">Changed {}</th><td>{} &rarr; {}</td></tr>",
            escape(field),
            escape(old),
            escape(new)
        );
    }
    html.push_str("</table>");
    let block = |html: &mut String, label: &str, body: &str| {
        let _ = write!(
            html,
            "<h3>{}</h3><div style=\"white-space: pre-wrap\">{}</div>",
            escape(label),
            escape(body)
        );
    };
    if let Some(r) = &n.resolution {
        block(&mut html, "Resolution", r);
    }
    if let Some(d) = &n.description {
        block(&mut html, "Description", d);
    }
    if let Some(c) = &n.comment {
        block(&mut html, comment_label, c);
    }
    let _ = write!(
        html,
        "<p><a href=\"{0}\">Follow the ticket</a>: {0}</p>\
         <p><small>Reply to this message to add to the ticket; keep {1} in the subject.</small></p>\
         </body></html>",
        escape(&n.link),
        escape(&n.tag)
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// `s` on one line (a subject cannot hold a line break).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_the_subject_carries_the_tag() {
        let n = Notice {
            tag: tag("support", 7),
            ticket_id: 7,
            title: "Printer <b>on</b>\nfire".into(),
            queue: "Support & Co".into(),
            status: "Open".into(),
            link: "http://h/view/7?key=a&b".into(),
            comment: Some("<script>alert(1)</script>".into()),
            ..Notice::default()
        };
        let r = render(Kind::Followup, &n);
        assert_eq!(r.subject, "[support-7] Printer <b>on</b> fire (Updated)");
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(r.html.contains("Support &amp; Co"));
        assert!(r.html.contains("href=\"http://h/view/7?key=a&amp;b\""));
        assert!(r.text.contains("<script>alert(1)</script>"));
        assert!(r.text.contains("http://h/view/7?key=a&b"));
    }
}
