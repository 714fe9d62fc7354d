//! Refuses documents nested deeper than any groups.yaml needs, before anything else reads
//! them: libyaml, the parser under serde_yaml, takes time quadratic in the depth of flow
//! collections (`[[[...]]]`).

use std::mem::MaybeUninit;
use std::slice;

use unsafe_libyaml::{
    yaml_event_delete, yaml_event_t, yaml_parser_delete, yaml_parser_initialize, yaml_parser_parse,
    yaml_parser_set_encoding, yaml_parser_set_input_string, yaml_parser_t, YAML_ALIAS_EVENT,
    YAML_MAPPING_END_EVENT, YAML_MAPPING_START_EVENT, YAML_SCALAR_EVENT, YAML_SEQUENCE_END_EVENT,
    YAML_SEQUENCE_START_EVENT, YAML_STREAM_END_EVENT, YAML_UTF8_ENCODING,
};

use super::diagnostic::Location;
use super::source_map::join_key;

/// How deep collections may nest, the top-level mapping being the first level. jdeploy's
/// own keys need fewer than ten; the rest is room for `vars`.
pub const MAX_DEPTH: usize = 64;

/// Levels named in the key path of the error; deeper ones are elided as `...`.
const NAMED_LEVELS: usize = 3;

/// A libyaml event, as far as depth goes.
enum Event<'a> {
    Start { mapping: bool },
    End,
    Scalar(&'a [u8]),
    Alias,
    Other,
}

/// An open collection, with what names its current item in a key path.
enum Level {
    Mapping { key: String, in_value: bool },
    Sequence { items: usize },
}

/// The first collection nested deeper than `MAX_DEPTH`: its key path, shortened, and where
/// it starts. This reads `text` with libyaml itself so that it sees the nesting serde_yaml
/// will; libyaml looks at most a line or 1024 characters past the event it returns, so
/// stopping at the limit keeps this linear. A syntax error ends the check: serde_yaml stops
/// at the same place and reports it.
pub fn too_deep(text: &str) -> Option<(String, Location)> {
    let mut levels = Vec::new();
    let mut found = None;
    // Boxed so that it stays put: libyaml keeps a pointer to the parser in it.
    let mut parser_memory = Box::new(MaybeUninit::<yaml_parser_t>::uninit());
    let parser = parser_memory.as_mut_ptr();
    let mut event_memory = MaybeUninit::<yaml_event_t>::uninit();
    let event = event_memory.as_mut_ptr();
    // SAFETY: libyaml is driven as serde_yaml drives it: the parser is initialized before use
    // and deleted once, `text` outlives it, and each event is read only between a successful
    // parse and its deletion.
    unsafe {
        if yaml_parser_initialize(parser).fail {
            return None;
        }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING);
        yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as u64);
        while found.is_none() && yaml_parser_parse(parser, event).ok {
            let done = (*event).type_ == YAML_STREAM_END_EVENT;
            let node = match (*event).type_ {
                YAML_MAPPING_START_EVENT => Event::Start { mapping: true },
                YAML_SEQUENCE_START_EVENT => Event::Start { mapping: false },
                YAML_MAPPING_END_EVENT | YAML_SEQUENCE_END_EVENT => Event::End,
                YAML_SCALAR_EVENT => {
                    let scalar = (*event).data.scalar;
                    Event::Scalar(slice::from_raw_parts(scalar.value, scalar.length as usize))
                }
                YAML_ALIAS_EVENT => Event::Alias,
                _ => Event::Other,
            };
            let at = (*event).start_mark;
            found = visit(&mut levels, node).map(|path| {
                let location = Location {
                    line: at.line as usize + 1,
                    column: Some(at.column as usize + 1),
                };
                (path, location)
            });
            yaml_event_delete(event);
            if done {
                break;
            }
        }
        yaml_parser_delete(parser);
    }
    found
}

/// Follows one event; returns the shortened key path of a collection that goes too deep.
fn visit(levels: &mut Vec<Level>, event: Event) -> Option<String> {
    match event {
        Event::End => {
            levels.pop();
            return None;
        }
        Event::Other => return None,
        _ => {}
    }
    match levels.last_mut() {
        Some(Level::Mapping { key, in_value }) => {
            if !*in_value {
                *key = match &event {
                    Event::Scalar(value) => String::from_utf8_lossy(value).into_owned(),
                    // A collection as a key, which no groups.yaml has.
                    _ => "?".to_string(),
                };
            }
            *in_value = !*in_value;
        }
        Some(Level::Sequence { items }) => *items += 1,
        None => {}
    }
    let Event::Start { mapping } = event else {
        return None;
    };
    if levels.len() == MAX_DEPTH {
        return Some(short_path(levels));
    }
    levels.push(if mapping {
        Level::Mapping {
            key: String::new(),
            in_value: false,
        }
    } else {
        Level::Sequence { items: 0 }
    });
    None
}

/// `units[0][0]...`: the first levels of the path to the current node.
fn short_path(levels: &[Level]) -> String {
    let mut path = String::new();
    for level in levels.iter().take(NAMED_LEVELS) {
        match level {
            Level::Mapping { key, .. } => path = join_key(&path, key),
            Level::Sequence { items } => path.push_str(&format!("[{}]", items - 1)),
        }
    }
    if levels.len() > NAMED_LEVELS {
        path.push_str("...");
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(depth: usize) -> String {
        format!("units: {}{}\n", "[".repeat(depth), "]".repeat(depth))
    }

    fn at(line: usize, column: usize) -> Location {
        Location {
            line,
            column: Some(column),
        }
    }

    #[test]
    fn the_limit_itself_is_allowed() {
        // The top-level mapping is the first level.
        assert_eq!(too_deep(&flow(MAX_DEPTH - 1)), None);
    }

    #[test]
    fn one_level_more_is_refused_where_it_starts() {
        let found = too_deep(&flow(MAX_DEPTH));
        assert_eq!(found, Some(("units[0][0]...".into(), at(1, 71))));
    }

    #[test]
    fn block_collections_and_keys_count_too() {
        let items = format!("units:\n  {}x\n", "- ".repeat(100_000));
        assert_eq!(
            too_deep(&items),
            Some(("units[0][0]...".into(), at(2, 129)))
        );
        let keys = format!("vars: {}1{}\n", "{a: ".repeat(100), "}".repeat(100));
        assert_eq!(too_deep(&keys), Some(("vars.a.a...".into(), at(1, 259))));
    }

    #[test]
    fn a_syntax_error_ends_the_check() {
        let text = format!("units: [\n  - host: a\n{}", "[".repeat(100));
        assert_eq!(too_deep(&text), None);
    }
}
