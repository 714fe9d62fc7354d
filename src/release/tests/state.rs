//! Reading a container's state file: which release runs, by its start time now.

use super::*;

fn id(c: char) -> String {
    c.to_string().repeat(64)
}

fn list(releases: &[char]) -> Kept {
    let entries: Vec<(String, String)> = releases
        .iter()
        .enumerate()
        .map(|(at, c)| (id(*c), at.to_string()))
        .collect();
    let refs: Vec<(&str, &str)> = entries
        .iter()
        .map(|(release, at)| (release.as_str(), at.as_str()))
        .collect();
    kept(&refs)
}

/// `b` put in place over `a` while the container had started at 10:00.
fn b_over_a() -> State {
    State::pending(
        Some(&id('a')),
        list(&['a']),
        &id('b'),
        Some("10:00"),
        list(&['a', 'b']),
    )
}

#[test]
fn pending_files_are_in_place_once_the_container_started_again() {
    let state = b_over_a();
    let before = state.read(Some("10:00"));
    assert_eq!(before.timeline.current, Some(id('a')));
    assert_eq!(before.pending, Some(id('b')));
    assert_eq!(before.timeline.kept, list(&['a']));
    let after = state.read(Some("10:05"));
    assert_eq!(after.timeline.current, Some(id('b')));
    assert_eq!(after.pending, None);
    assert_eq!(after.timeline.kept, list(&['a', 'b']));
}

#[test]
fn held_files_are_never_in_place_whatever_starts_the_container() {
    for state in [b_over_a().failed(), b_over_a().placing()] {
        for started in [Some("10:00"), Some("10:05"), None] {
            let reading = state.read(started);
            assert_eq!(reading.timeline.current, Some(id('a')), "{started:?}");
            assert_eq!(reading.pending, Some(id('b')));
            assert_eq!(reading.timeline.kept, list(&['a']));
        }
    }
}

#[test]
fn a_container_never_started_runs_its_files_once_it_starts() {
    let state = State::pending(None, Kept::default(), &id('b'), None, list(&['b']));
    assert_eq!(state.read(None).pending, Some(id('b')));
    assert_eq!(state.read(Some("10:00")).timeline.current, Some(id('b')));
}

#[test]
fn the_release_in_place_pending_again_is_settled_on_what_it_kept() {
    // A rollback to the release in place whose container did not restart yet.
    let state = State::pending(
        Some(&id('a')),
        list(&['a', 'b']),
        &id('a'),
        Some("10:00"),
        list(&['a']),
    );
    let reading = state.read(Some("10:00"));
    assert_eq!(reading.pending, None);
    assert_eq!(reading.timeline.kept, list(&['a', 'b']));
    assert_eq!(state.read(Some("10:01")).timeline.kept, list(&['a']));
    // Unless its links were cut short: files of another release may still be there.
    let placing = state.placing();
    for started in [Some("10:00"), Some("10:01")] {
        let reading = placing.read(started);
        assert_eq!(reading.pending, Some(id('a')));
        assert_eq!(reading.timeline.kept, list(&['a', 'b']));
    }
}

#[test]
fn the_file_round_trips_and_an_earlier_versions_list_is_legacy() {
    let state = b_over_a();
    let text = serde_json::to_vec(&state).unwrap();
    assert_eq!(State::parse(&text).unwrap(), state);
    assert!(!state.is_legacy());
    // As earlier versions wrote it; what they kept in links it cannot name.
    let legacy = format!(
        r#"{{"releases":[],"current":"{}","pending":{{"release":"{}","started_at":"","releases":[]}}}}"#,
        id('a'),
        id('b')
    );
    let legacy = State::parse(legacy.as_bytes()).unwrap();
    assert!(legacy.is_legacy());
    assert_eq!((legacy.current, legacy.pending), (None, None));
}

#[test]
fn a_state_naming_paths_or_a_later_layout_is_refused() {
    let mut forged = b_over_a();
    forged.pending.as_mut().unwrap().release = "../../etc".into();
    let text = serde_json::to_vec(&forged).unwrap();
    assert_eq!(State::parse(&text), Err(StateError::ForeignIds));
    let mut forged = b_over_a();
    forged.current = Some("ab".into());
    let text = serde_json::to_vec(&forged).unwrap();
    assert_eq!(State::parse(&text), Err(StateError::ForeignIds));
    let mut forged = b_over_a();
    forged.pending.as_mut().unwrap().releases = list(&['z']).releases;
    let text = serde_json::to_vec(&forged).unwrap();
    assert_eq!(State::parse(&text), Err(StateError::ForeignIds));
    let later = br#"{"layout":3,"releases":[]}"#;
    assert_eq!(State::parse(later), Err(StateError::Newer(3)));
    assert!(matches!(
        State::parse(b"[1]"),
        Err(StateError::Malformed(_))
    ));
}
