//! Deploy windows: when they are open and when they next open, in their zones.

use jiff::Timestamp;

use super::super::windows::{parse_window, DeployWindows};
use super::*;

fn windows(texts: &[&str]) -> DeployWindows {
    DeployWindows(
        texts
            .iter()
            .map(|text| parse_window(text).unwrap_or_else(|err| panic!("{text}: {err:?}")))
            .collect(),
    )
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Which of `times` the windows are open at.
fn open_at(windows: &DeployWindows, times: &[&str]) -> Vec<bool> {
    times.iter().map(|time| windows.is_open(at(time))).collect()
}

fn next(windows: &DeployWindows, from: &str) -> String {
    windows.next_open(at(from)).unwrap().to_string()
}

#[test]
fn a_weekday_window_in_a_zone_without_summer_time() {
    let office = windows(&["mon-fri 10:00-16:00 Asia/Shanghai"]);
    // 2026-11-23 is a Monday; Shanghai is UTC+8 all year.
    assert_eq!(
        open_at(
            &office,
            &[
                "2026-11-23T01:59:59Z", // 09:59:59 Monday
                "2026-11-23T02:00:00Z", // 10:00
                "2026-11-23T07:59:59Z", // 15:59:59
                "2026-11-23T08:00:00Z", // 16:00: the end is not in
                "2026-11-21T03:00:00Z", // 11:00 Saturday
                "2026-11-20T07:00:00Z", // 15:00 Friday
            ]
        ),
        [false, true, true, false, false, true]
    );
    // Friday after hours: Monday morning, in the window's zone.
    assert_eq!(
        next(&office, "2026-11-20T08:30:00Z"),
        "2026-11-23T10:00:00+08:00[Asia/Shanghai]"
    );
    // Monday before hours: that same morning.
    assert_eq!(
        next(&office, "2026-11-23T00:00:00Z"),
        "2026-11-23T10:00:00+08:00[Asia/Shanghai]"
    );
    // Open: now.
    assert_eq!(
        next(&office, "2026-11-23T03:00:00Z"),
        "2026-11-23T11:00:00+08:00[Asia/Shanghai]"
    );
}

#[test]
fn a_range_over_midnight_runs_into_the_next_day() {
    let night = windows(&["fri 22:00-02:00"]);
    assert_eq!(
        open_at(
            &night,
            &[
                "2026-11-20T21:59:00Z", // Friday 21:59
                "2026-11-20T22:00:00Z", // Friday 22:00
                "2026-11-21T01:59:00Z", // Saturday 01:59, still Friday's night
                "2026-11-21T02:00:00Z", // Saturday 02:00
                "2026-11-21T23:00:00Z", // Saturday night is not listed
                "2026-11-20T01:00:00Z", // Friday 01:00 belongs to Thursday's night
            ]
        ),
        [false, true, true, false, false, false]
    );
    assert_eq!(
        next(&night, "2026-11-21T03:00:00Z"),
        "2026-11-27T22:00:00+00:00[UTC]"
    );
    let to_midnight = windows(&["daily 22:00-00:00"]);
    assert!(to_midnight.is_open(at("2026-11-21T23:59:59Z")));
    assert!(!to_midnight.is_open(at("2026-11-22T00:00:00Z")));
}

#[test]
fn weekends_whole_days_and_ranges_round_the_week() {
    let weekend = windows(&["sat,sun 00:00-24:00"]);
    assert_eq!(
        open_at(
            &weekend,
            &[
                "2026-11-20T23:59:59Z", // Friday
                "2026-11-21T00:00:00Z", // Saturday
                "2026-11-22T23:59:59Z", // Sunday
                "2026-11-23T00:00:00Z", // Monday
            ]
        ),
        [false, true, true, false]
    );
    assert_eq!(
        next(&weekend, "2026-11-23T00:00:00Z"),
        "2026-11-28T00:00:00+00:00[UTC]"
    );
    let long_weekend = windows(&["Fri-Mon 09:00-12:00"]);
    assert_eq!(
        open_at(
            &long_weekend,
            &[
                "2026-11-20T10:00:00Z", // Friday
                "2026-11-22T10:00:00Z", // Sunday
                "2026-11-23T10:00:00Z", // Monday
                "2026-11-24T10:00:00Z", // Tuesday
            ]
        ),
        [true, true, true, false]
    );
    for every_day in [
        "daily 09:00-17:00",
        "* 09:00-17:00 UTC",
        "mon,tue-sun 09:00-17:00",
    ] {
        let every_day = windows(&[every_day]);
        assert_eq!(
            open_at(
                &every_day,
                &["2026-11-21T09:00:00Z", "2026-11-21T17:00:00Z"]
            ),
            [true, false]
        );
    }
}

#[test]
fn no_windows_is_always_open_and_several_open_at_the_earliest() {
    let none = DeployWindows::default();
    assert!(none.is_open(at("2026-11-21T03:00:00Z")));
    assert_eq!(
        next(&none, "2026-11-21T03:00:00Z"),
        "2026-11-21T03:00:00+00:00[UTC]"
    );
    let two = windows(&[
        "mon 09:00-10:00 Europe/London",
        "mon 09:00-10:00 Asia/Tokyo",
    ]);
    // Tokyo's Monday morning comes first: Sunday 00:00 UTC.
    assert_eq!(
        next(&two, "2026-11-21T12:00:00Z"),
        "2026-11-23T09:00:00+09:00[Asia/Tokyo]"
    );
    assert!(two.is_open(at("2026-11-23T09:30:00Z")), "London's");
}

#[test]
fn a_zone_with_summer_time_opens_at_its_local_time() {
    // Berlin moves to UTC+2 on Sunday 2026-03-29.
    let berlin = windows(&["mon-fri 09:00-10:00 Europe/Berlin"]);
    assert_eq!(
        next(&berlin, "2026-03-27T12:00:00Z"),
        "2026-03-30T09:00:00+02:00[Europe/Berlin]"
    );
    assert!(
        berlin.is_open(at("2026-03-27T08:30:00Z")),
        "09:30 in winter"
    );
    assert!(
        berlin.is_open(at("2026-03-30T07:30:00Z")),
        "09:30 in summer"
    );
    assert!(
        !berlin.is_open(at("2026-03-30T08:30:00Z")),
        "10:30 in summer"
    );
}

#[test]
fn bad_windows_say_what_is_wrong() {
    let error = |text: &str| {
        let err = parse_window(text).unwrap_err();
        match err.help {
            Some(help) => format!("{} / {help}", err.message),
            None => err.message,
        }
    };
    assert_eq!(
        error("mon-fri"),
        "`mon-fri` is not a deploy window: write DAYS HH:MM-HH:MM [TIME ZONE], as in `mon-fri 10:00-16:00 Asia/Shanghai`"
    );
    assert_eq!(
        error("mon-frii 10:00-16:00"),
        "`frii` is not a day: use mon, tue, wed, thu, fri, sat or sun, a range such as mon-fri, or daily / did you mean `fri`?"
    );
    assert_eq!(
        error("mon- 10:00-16:00"),
        "a day is missing: list days like mon-fri or sat,sun"
    );
    assert_eq!(
        error("mon 10:00"),
        "`10:00` is not a time range: write HH:MM-HH:MM, as in 10:00-16:00"
    );
    for bad in [
        "mon 9:00-16:00",
        "mon 10:00-16:60",
        "mon 24:00-02:00",
        "mon 10:00-24:01",
    ] {
        let times = bad.split(' ').nth(1).unwrap();
        assert_eq!(
            error(bad),
            format!("`{times}` is not a time range: write HH:MM-HH:MM with times from 00:00 to 23:59 (24:00 may end one), as in 10:00-16:00"),
        );
    }
    assert_eq!(
        error("mon 10:00-10:00"),
        "`10:00-10:00` is empty: its end must differ from its start / 00:00-24:00 is the whole day"
    );
    assert_eq!(
        error("mon 10:00-16:00 Asia/Shangai"),
        "`Asia/Shangai` is not a time zone name / did you mean `Asia/Shanghai`?"
    );
    assert_eq!(
        error("mon 10:00-16:00 Nowhere"),
        "`Nowhere` is not a time zone name / use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC"
    );
}

#[test]
fn windows_and_heal_come_from_defaults_unless_the_group_sets_its_own() {
    let inventory = parse(&format!(
        "
defaults:
  windows: ['mon-fri 10:00-16:00 Asia/Shanghai']
groups:
  test:
    windows: []
    heal: true
{UNITS}"
    ));
    let product = inventory.group("product").unwrap();
    let test = inventory.group("test").unwrap();
    assert_eq!(product.windows.0.len(), 1);
    assert_eq!(
        product.windows.0[0].to_string(),
        "mon-fri 10:00-16:00 Asia/Shanghai"
    );
    assert!(!product.heal, "heal is off unless set");
    assert!(test.windows.is_empty(), "[] opens the group at all times");
    assert!(test.heal);
    let json = serde_json::to_value(product).unwrap();
    assert_eq!(
        json["windows"],
        serde_json::json!(["mon-fri 10:00-16:00 Asia/Shanghai"])
    );
    assert_eq!(json["heal"], false);
}

#[test]
fn a_bad_window_is_an_error_at_its_line_and_key() {
    let err = parse_inventory(
        &format!("groups:\n  product:\n    windows:\n      - mon-fri 10:00-16:00\n      - sat 25:00-26:00\n{UNITS}"),
        Path::new("groups.yaml"),
        Path::new("."),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "groups.yaml:5:9: groups.product.windows[1]: `25:00-26:00` is not a time range: write HH:MM-HH:MM with times from 00:00 to 23:59 (24:00 may end one), as in 10:00-16:00"
    );
}
