//! Output arrives in chunks that need not end at a line; readers want lines.

use std::collections::HashMap;

use crate::engine::OutputStream;

/// The longest line held: a container that never ends a line gets it passed on in
/// pieces this long, so memory stays bounded whatever it sends.
pub const MAX_LINE: usize = 1024 * 1024;

/// Holds each stream's unfinished line until the rest of it arrives.
#[derive(Debug, Default)]
pub struct LineBuffer {
    partial: HashMap<OutputStream, Vec<u8>>,
}

impl LineBuffer {
    /// The lines `data` completes, without their line ends. Only the new bytes are
    /// searched, so a long line arriving in many chunks costs time linear in its length.
    pub fn push(&mut self, stream: OutputStream, data: &[u8]) -> Vec<Vec<u8>> {
        let buffer = self.partial.entry(stream).or_default();
        let before = buffer.len();
        buffer.extend_from_slice(data);
        let Some(end) = data
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map(|at| before + at)
        else {
            if buffer.len() < MAX_LINE {
                return Vec::new();
            }
            let rest = buffer.split_off(MAX_LINE);
            return vec![std::mem::replace(buffer, rest)];
        };
        let rest = buffer.split_off(end + 1);
        let complete = std::mem::replace(buffer, rest);
        complete[..end]
            .split(|&byte| byte == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
            .collect()
    }

    /// Whatever is left when the output ends without a final line end.
    pub fn finish(&mut self) -> Vec<(OutputStream, Vec<u8>)> {
        let mut rest: Vec<_> = self
            .partial
            .drain()
            .filter(|(_, buffer)| !buffer.is_empty())
            .collect();
        rest.sort_by_key(|(stream, _)| *stream == OutputStream::Stderr);
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_never_ends_is_passed_on_in_bounded_pieces() {
        let mut lines = LineBuffer::default();
        let chunk = vec![b'x'; 64 * 1024];
        let mut pieces = Vec::new();
        // 16 MiB without a line end, in 64 KiB chunks.
        for _ in 0..256 {
            pieces.extend(lines.push(OutputStream::Stdout, &chunk));
        }
        assert_eq!(pieces.len(), 16);
        assert!(pieces.iter().all(|piece| piece.len() == MAX_LINE));
        assert!(lines.finish().is_empty());
    }

    #[test]
    fn lines_split_across_chunks_come_out_whole() {
        let mut lines = LineBuffer::default();
        assert!(lines.push(OutputStream::Stdout, b"hel").is_empty());
        assert_eq!(
            lines.push(OutputStream::Stdout, b"lo\r\nwor"),
            [b"hello".to_vec()]
        );
        assert_eq!(
            lines.push(OutputStream::Stdout, b"ld\n\nlast"),
            [b"world".to_vec(), Vec::new()]
        );
        assert_eq!(lines.finish(), [(OutputStream::Stdout, b"last".to_vec())]);
        assert!(lines.finish().is_empty());
    }

    #[test]
    fn streams_do_not_mix() {
        let mut lines = LineBuffer::default();
        lines.push(OutputStream::Stdout, b"out");
        assert_eq!(
            lines.push(OutputStream::Stderr, b"err\n"),
            [b"err".to_vec()]
        );
        assert_eq!(lines.finish(), [(OutputStream::Stdout, b"out".to_vec())]);
    }
}
