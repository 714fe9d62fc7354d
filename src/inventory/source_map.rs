//! Where each key of a YAML document stands, so that checks made after parsing can still name
//! the line and column of the value they reject.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, Span};

use super::diagnostic::{Diagnostic, Location};

/// Bytes of key paths recorded per byte of the document at most: far more than any real
/// groups.yaml needs.
const PATH_BYTES_PER_BYTE: usize = 64;

/// Maps a key path (`units[2].dockers[0]`, the notation serde_yaml uses in its own errors) to
/// where its value starts. Collections point at their key, scalars at the value itself.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    locations: HashMap<String, Location>,
    /// Keys written twice in one mapping, in document order.
    pub duplicates: Vec<Duplicate>,
    /// The parser stopped at invalid YAML.
    pub broken: bool,
}

/// A key written again in the same mapping: serde keeps the last one, or names only the
/// first field, so they are found here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The key's path, as in the map.
    pub path: String,
    pub key: String,
    pub at: Location,
    pub first_line: usize,
}

enum Frame {
    Mapping {
        path: String,
        /// The key just read, waiting for its value, with where the key stands.
        pending_key: Option<(String, Location)>,
        /// The line of each key read so far.
        seen: HashMap<String, usize>,
    },
    Sequence {
        path: String,
        next_index: usize,
    },
}

impl SourceMap {
    /// Builds the map; a document the parser rejects yields the part read before the error,
    /// since serde_yaml reports the syntax error itself.
    pub fn parse(text: &str) -> Self {
        let mut map = SourceMap::default();
        let mut stack: Vec<Frame> = Vec::new();
        // Each path repeats its parents' keys, so a long key above many values would make the
        // map quadratic in the document; past this budget the rest goes unmapped.
        let budget = text.len().saturating_mul(PATH_BYTES_PER_BYTE);
        let mut path_bytes = 0;
        for event in Parser::new_from_str(text) {
            if path_bytes > budget {
                break;
            }
            let Ok((event, span)) = event else {
                map.broken = true;
                break;
            };
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Mapping {
                        path,
                        pending_key,
                        seen,
                    }) = stack.last_mut()
                    {
                        if pending_key.is_none() {
                            let at = location(span);
                            if let Some(&first_line) = seen.get(value.as_ref()) {
                                map.duplicates.push(Duplicate {
                                    path: join_key(path, &value),
                                    key: value.to_string(),
                                    at,
                                    first_line,
                                });
                            } else {
                                seen.insert(value.to_string(), at.line);
                            }
                            *pending_key = Some((value.into_owned(), at));
                            continue;
                        }
                    }
                    path_bytes += map.record_node(&mut stack, span, false).len();
                }
                Event::Alias(_) => {
                    path_bytes += map.record_node(&mut stack, span, false).len();
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    if let Some(Frame::Mapping {
                        pending_key: None, ..
                    }) = stack.last()
                    {
                        // A collection used as a mapping key: nothing in jdeploy's schema.
                        break;
                    }
                    let path = map.record_node(&mut stack, span, true);
                    path_bytes += path.len();
                    stack.push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Mapping {
                            path,
                            pending_key: None,
                            seen: HashMap::new(),
                        }
                    } else {
                        Frame::Sequence {
                            path,
                            next_index: 0,
                        }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        map
    }

    pub fn get(&self, path: &str) -> Option<Location> {
        self.locations.get(path).copied()
    }

    /// Places `diagnostic` at `key`; an empty key means the file as a whole.
    pub fn locate(&self, diagnostic: Diagnostic, key: &str) -> Diagnostic {
        let diagnostic = diagnostic.at(self.get(key));
        if key.is_empty() {
            diagnostic
        } else {
            diagnostic.key(key)
        }
    }

    /// Records a node that is a value in its parent and returns its path.
    fn record_node(&mut self, stack: &mut [Frame], span: Span, is_collection: bool) -> String {
        let (path, key_location) = match stack.last_mut() {
            None => (String::new(), None),
            Some(Frame::Mapping {
                path, pending_key, ..
            }) => {
                let (key, key_location) = pending_key.take().unwrap_or_default();
                (join_key(path, &key), Some(key_location))
            }
            Some(Frame::Sequence { path, next_index }) => {
                *next_index += 1;
                (format!("{path}[{}]", *next_index - 1), None)
            }
        };
        let at = match key_location {
            Some(key_location) if is_collection => key_location,
            _ => location(span),
        };
        self.locations.entry(path.clone()).or_insert(at);
        path
    }
}

/// `parent.key`, or just `key` at the top.
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn location(span: Span) -> Location {
    Location {
        line: span.start.line(),
        column: Some(span.start.col() + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
images:
  product: busybox
units:
  - host: 127.0.0.2
    dockers: [a1, a2]
    group:
      - product
";

    fn at(line: usize, column: usize) -> Option<Location> {
        Some(Location {
            line,
            column: Some(column),
        })
    }

    #[test]
    fn scalars_point_at_their_value() {
        let map = SourceMap::parse(DOC);
        assert_eq!(map.get("images.product"), at(2, 12));
        assert_eq!(map.get("units[0].host"), at(4, 11));
        assert_eq!(map.get("units[0].dockers[1]"), at(5, 19));
        assert_eq!(map.get("units[0].group[0]"), at(7, 9));
    }

    #[test]
    fn collections_point_at_their_key() {
        let map = SourceMap::parse(DOC);
        assert_eq!(map.get("images"), at(1, 1));
        assert_eq!(map.get("units[0].dockers"), at(5, 5));
        assert_eq!(map.get("units[0].group"), at(6, 5));
    }

    #[test]
    fn sequence_items_point_at_the_item() {
        let map = SourceMap::parse(DOC);
        assert_eq!(map.get("units[0]"), at(4, 5));
    }

    #[test]
    fn a_long_key_above_many_values_is_mapped_in_part() {
        let key = "k".repeat(1000);
        let items = vec!["1"; 1000].join(", ");
        let map = SourceMap::parse(&format!("vars:\n  ? {key}\n  : [{items}]\n"));
        assert_eq!(map.get(&format!("vars.{key}[0]")), at(3, 6));
        assert_eq!(map.get(&format!("vars.{key}[999]")), None);
    }

    #[test]
    fn duplicate_keys_are_found_at_their_own_line() {
        let map = SourceMap::parse(
            "units: []\ngroups:\n  g: {}\n  h: {env: {A: x, A: y}}\n  g: {}\nunits: []\n",
        );
        let found: Vec<_> = map
            .duplicates
            .iter()
            .map(|d| (d.path.as_str(), d.at.line, d.at.column, d.first_line))
            .collect();
        assert_eq!(
            found,
            [
                ("groups.h.env.A", 4, Some(19), 4),
                ("groups.g", 5, Some(3), 3),
                ("units", 6, Some(1), 1),
            ]
        );
        assert!(!map.broken);
    }

    #[test]
    fn a_broken_document_keeps_what_was_read() {
        let map = SourceMap::parse("images:\n  product: x\nunits: [\n");
        assert_eq!(map.get("images.product"), at(2, 12));
        assert!(map.broken);
    }
}
