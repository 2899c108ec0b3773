//! Where the earlier messages quoted below a reply begin, so a page can show the reply and
//! fold the quote (issue 15, mail in: "quoted earlier text ... is kept but collapsed"). Text
//! only; the caller escapes it as any other text.

/// Splits `text` into the reply and the quoted earlier text below it, when there is such a
/// quote: from the first attribution line ("On Mon, 1 Dec 2026, Ann wrote:", which mail
/// clients may wrap onto two lines), an Outlook separator ("-----Original Message-----",
/// "________________________________" followed by "From:"), or a block of lines starting
/// with `>` that runs to the end (blank lines aside). Inline replies between quoted lines are
/// left whole, as is a text that would be all quote.
pub fn split_quoted(text: &str) -> (&str, Option<&str>) {
    let lines: Vec<(usize, &str)> = line_starts(text);
    let start = lines
        .iter()
        .enumerate()
        .find_map(|(i, &(at, line))| starts_quote(&lines, i, line).then_some(at));
    match start {
        Some(at) if !text[..at].trim().is_empty() => {
            let quoted = &text[at..];
            (text[..at].trim_end(), Some(quoted.trim_end()))
        }
        _ => (text, None),
    }
}

/// Each line with the byte offset it starts at.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        out.push((at, line.trim_end_matches(['\n', '\r'])));
        at += line.len();
    }
    out
}

fn starts_quote(lines: &[(usize, &str)], i: usize, line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed.eq_ignore_ascii_case("-----Original Message-----")
        || trimmed.eq_ignore_ascii_case("----- Original Message -----")
    {
        return true;
    }
    if trimmed.len() >= 20 && trimmed.chars().all(|c| c == '_') {
        return lines
            .get(i + 1)
            .is_some_and(|(_, next)| next.trim_start().starts_with("From:"));
    }
    if is_attribution(trimmed) {
        return true;
    }
    // "On Mon, 1 Dec 2026 at 10:00, Ann Lee <ann@example.com>" / "wrote:" on the next line.
    if trimmed.starts_with("On ")
        && let Some((_, next)) = lines.get(i + 1)
    {
        let joined = format!("{trimmed} {}", next.trim());
        if is_attribution(&joined) {
            return true;
        }
    }
    if trimmed.starts_with('>') {
        return lines[i..].iter().all(|(_, l)| {
            let l = l.trim();
            l.is_empty() || l.starts_with('>')
        });
    }
    false
}

fn is_attribution(line: &str) -> bool {
    line.starts_with("On ") && line.ends_with("wrote:") && line.len() < 300
}

#[cfg(test)]
mod tests {
    use super::split_quoted;

    #[test]
    fn the_quote_below_an_attribution_line_is_split_off() {
        let text = "Thanks, that fixed it.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <s@x.org> wrote:\n> Try turning it off.\n";
        let (reply, quoted) = split_quoted(text);
        assert_eq!(reply, "Thanks, that fixed it.");
        assert!(quoted.unwrap().starts_with("On Mon, 1 Dec"));
    }

    #[test]
    fn a_wrapped_attribution_line_and_outlook_separators_start_a_quote() {
        let (reply, quoted) =
            split_quoted("Yes.\nOn Mon, 1 Dec 2026 at 10:00, Support\n<s@x.org> wrote:\n> Hi");
        assert_eq!((reply, quoted.is_some()), ("Yes.", true));
        let (reply, quoted) =
            split_quoted("Fine.\n\n-----Original Message-----\nFrom: a\nSubject: b");
        assert_eq!((reply, quoted.is_some()), ("Fine.", true));
        let outlook = format!("Ok\n{}\nFrom: S\nSent: x", "_".repeat(32));
        let (reply, quoted) = split_quoted(&outlook);
        assert_eq!((reply, quoted.is_some()), ("Ok", true));
    }

    #[test]
    fn a_trailing_block_of_quoted_lines_is_split_off_but_inline_replies_are_not() {
        let (reply, quoted) = split_quoted("See below.\n> old 1\n>\n> old 2\n\n");
        assert_eq!((reply, quoted), ("See below.", Some("> old 1\n>\n> old 2")));
        let inline = "> question 1\nanswer 1\n> question 2\nanswer 2";
        assert_eq!(split_quoted(inline), (inline, None));
        let all_quote = "> only a quote";
        assert_eq!(split_quoted(all_quote), (all_quote, None));
        assert_eq!(split_quoted("plain"), ("plain", None));
    }
}
