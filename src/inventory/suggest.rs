//! "Did you mean" for names an operator mistyped.

/// The closest candidate to `input`, when one is close enough to be a likely typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(input, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` or nothing.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(input, candidates).map(|name| format!("did you mean `{name}`?"))
}

/// Comparisons one batch of suggestions may make. Each name is compared with every
/// candidate, so a file with thousands of both would spend minutes on hints alone.
const COMPARISON_BUDGET: usize = 1_000_000;

/// Did-you-mean for `queries` names against one set of candidates, or for none of them
/// when that would take more than `COMPARISON_BUDGET` comparisons.
pub struct Suggester<'a> {
    candidates: Vec<&'a str>,
    enabled: bool,
}

impl<'a> Suggester<'a> {
    pub fn new(candidates: impl IntoIterator<Item = &'a str>, queries: usize) -> Self {
        let mut seen = std::collections::HashSet::new();
        let candidates: Vec<&str> = candidates
            .into_iter()
            .filter(|candidate| seen.insert(*candidate))
            .collect();
        let enabled = candidates.len().saturating_mul(queries) <= COMPARISON_BUDGET;
        Self {
            candidates,
            enabled,
        }
    }

    pub fn did_you_mean(&self, input: &str) -> Option<String> {
        if self.enabled {
            did_you_mean(input, self.candidates.iter().copied())
        } else {
            None
        }
    }
}

/// Rewrites serde's `unknown field `x`, expected one of `a`, `b`` into a shorter message and a
/// suggestion. Returns `None` for any other message.
pub fn unknown_key(message: &str) -> Option<(String, Option<String>)> {
    let (kind, rest) = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| {
            message
                .find(prefix)
                .map(|at| (*prefix, &message[at + prefix.len()..]))
        })?;
    let prefix_text = &message[..message.find(kind)?];
    let (name, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let noun = if kind.starts_with("unknown field") {
        "key"
    } else {
        "value"
    };
    let message = format!("{prefix_text}unknown {noun} `{name}`");
    let help = match did_you_mean(name, expected.iter().copied()) {
        Some(suggestion) => suggestion,
        None if expected.is_empty() => return Some((message, None)),
        None => format!("expected one of: {}", expected.join(", ")),
    };
    Some((message, Some(help)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_close_name() {
        assert_eq!(closest("prodcut", ["product", "test"]), Some("product"));
        assert_eq!(
            closest("hots", ["host", "dockers", "group", "core"]),
            Some("host")
        );
    }

    #[test]
    fn suggests_nothing_for_an_unrelated_name() {
        assert_eq!(closest("zebra", ["product", "test"]), None);
    }

    #[test]
    fn a_suggester_suggests_within_its_budget_only() {
        let few = Suggester::new(["product", "product", "test"], 2);
        assert_eq!(
            few.did_you_mean("prodcut"),
            Some("did you mean `product`?".into())
        );
        assert_eq!(few.candidates.len(), 2);
        let names: Vec<String> = (0..2_000).map(|i| format!("node{i}")).collect();
        let many = Suggester::new(names.iter().map(String::as_str), 1_000);
        assert_eq!(many.did_you_mean("node1x"), None);
    }

    #[test]
    fn rewrites_an_unknown_field() {
        let message =
            "units[0]: unknown field `hots`, expected one of `host`, `dockers`, `group`, `core`";
        assert_eq!(
            unknown_key(message),
            Some((
                "units[0]: unknown key `hots`".to_string(),
                Some("did you mean `host`?".to_string())
            ))
        );
    }

    #[test]
    fn lists_the_expected_keys_when_none_is_close() {
        let message = "unknown field `zzz`, expected `units`";
        assert_eq!(
            unknown_key(message),
            Some((
                "unknown key `zzz`".to_string(),
                Some("expected one of: units".to_string())
            ))
        );
    }

    #[test]
    fn leaves_other_messages_alone() {
        assert_eq!(
            unknown_key("invalid type: string, expected a boolean"),
            None
        );
    }
}
