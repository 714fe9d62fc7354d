//! Text from containers shown to a person: control characters made visible, so a
//! container cannot rewrite the screen, spoof another container's lines or forge a CI
//! line. `--json` keeps the bytes exact.

use std::borrow::Cow;

/// `text` with every control character but the tab escaped (`\x1b`, `\r`, `\n`).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            c if needs_escape(c) => shown.push_str(&format!("\\x{:02x}", c as u32)),
            c => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

/// The bytes of one line, shown as text.
pub fn visible_bytes(line: &[u8]) -> String {
    visible(&String::from_utf8_lossy(line)).into_owned()
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_move_the_cursor_no_more() {
        assert_eq!(visible("plain\ttext"), "plain\ttext");
        assert_eq!(
            visible("a\x1b[2Jb\rc\nd\u{9b}e"),
            "a\\x1b[2Jb\\rc\\nd\\x9be"
        );
    }
}
