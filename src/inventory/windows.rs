//! `windows`: when a group may be deployed, as `mon-fri 10:00-16:00 Asia/Shanghai`. Outside
//! every window only an admin deploys; a group without windows is always open.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::{Serialize, Serializer};

use super::checker::Checker;
use super::suggest::did_you_mean;

const EXAMPLE: &str = "mon-fri 10:00-16:00 Asia/Shanghai";
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const FULL_DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const MINUTES_PER_DAY: u16 = 24 * 60;

/// A group's deploy windows; none means always open.
#[derive(Debug, Clone, Default)]
pub struct DeployWindows(pub Vec<DeployWindow>);

/// One window: days of the week, a time of day range on each, in one time zone. A range
/// that ends before it starts runs over midnight into the next day.
#[derive(Debug, Clone)]
pub struct DeployWindow {
    /// As written, for messages.
    text: String,
    /// Monday first.
    days: [bool; 7],
    /// Minutes after midnight; `end` may be 1440 (24:00).
    start: u16,
    end: u16,
    zone: TimeZone,
}

impl DeployWindows {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a deploy may start at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.is_empty() || self.0.iter().any(|window| window.is_open(at))
    }

    /// When a deploy may next start: `at` itself while a window is open (in that window's
    /// zone; in UTC when there are no windows), else the start of the earliest window
    /// to come, in its zone.
    pub fn next_open(&self, at: Timestamp) -> Option<Zoned> {
        if self.is_empty() {
            return Some(at.to_zoned(TimeZone::UTC));
        }
        if let Some(open) = self.0.iter().find(|window| window.is_open(at)) {
            return Some(at.to_zoned(open.zone.clone()));
        }
        self.0
            .iter()
            .filter_map(|window| window.next_start(at))
            .min_by_key(Zoned::timestamp)
    }
}

impl DeployWindow {
    pub fn is_open(&self, at: Timestamp) -> bool {
        let local = at.to_zoned(self.zone.clone());
        let day = weekday_index(local.date());
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        if self.start < self.end {
            self.days[day] && (self.start..self.end).contains(&minute)
        } else {
            // Over midnight: the evening of a listed day, or the small hours after one.
            let yesterday = (day + 6) % 7;
            (self.days[day] && minute >= self.start) || (self.days[yesterday] && minute < self.end)
        }
    }

    /// The first start of this window after `at`.
    fn next_start(&self, at: Timestamp) -> Option<Zoned> {
        let (hour, minute) = ((self.start / 60) as i8, (self.start % 60) as i8);
        let mut date = at.to_zoned(self.zone.clone()).date();
        // Today's start may have passed; within eight days every listed day comes round.
        for _ in 0..8 {
            if self.days[weekday_index(date)] {
                // A start skipped by a clock change moves forward with the clock.
                let start = date
                    .at(hour, minute, 0, 0)
                    .to_zoned(self.zone.clone())
                    .ok()?;
                if start.timestamp() > at {
                    return Some(start);
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }
}

fn weekday_index(date: Date) -> usize {
    date.weekday().to_monday_zero_offset() as usize
}

impl fmt::Display for DeployWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// As written: `["mon-fri 10:00-16:00 Asia/Shanghai"]`.
impl Serialize for DeployWindows {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|window| &window.text))
    }
}

/// What is wrong with a window, and how to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowError {
    pub message: String,
    pub help: Option<String>,
}

impl WindowError {
    fn new(message: String) -> Self {
        Self {
            message,
            help: None,
        }
    }

    fn help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// Checks `windows` written at `key`; a window with an error is left out.
pub fn parse_windows(raw: Vec<String>, key: &str, checker: &mut Checker) -> DeployWindows {
    let mut windows = Vec::new();
    for (index, text) in raw.iter().enumerate() {
        match parse_window(text) {
            Ok(window) => windows.push(window),
            Err(err) => checker.error(&format!("{key}[{index}]"), err.message, err.help),
        }
    }
    DeployWindows(windows)
}

/// `DAYS HH:MM-HH:MM [ZONE]`.
pub fn parse_window(text: &str) -> Result<DeployWindow, WindowError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (days, times, zone) = match words[..] {
        [days, times] => (days, times, None),
        [days, times, zone] => (days, times, Some(zone)),
        _ => {
            let message = format!(
                "`{text}` is not a deploy window: write DAYS HH:MM-HH:MM [TIME ZONE], as in `{EXAMPLE}`"
            );
            return Err(WindowError::new(message));
        }
    };
    let days = parse_days(days)?;
    let (start, end) = parse_times(times)?;
    let zone = match zone {
        None => TimeZone::UTC,
        Some(name) => parse_zone(name)?,
    };
    Ok(DeployWindow {
        text: words.join(" "),
        days,
        start,
        end,
        zone,
    })
}

/// `mon-fri`, `sat,sun`, `mon`, `fri-mon` (round the weekend), `daily` or `*`.
fn parse_days(text: &str) -> Result<[bool; 7], WindowError> {
    let lower = text.to_ascii_lowercase();
    if lower == "daily" || lower == "*" {
        return Ok([true; 7]);
    }
    let mut days = [false; 7];
    for item in lower.split(',') {
        let (first, last) = match item.split_once('-') {
            Some((first, last)) => (day(first)?, day(last)?),
            None => (day(item)?, day(item)?),
        };
        let mut at = first;
        loop {
            days[at] = true;
            if at == last {
                break;
            }
            at = (at + 1) % 7;
        }
    }
    Ok(days)
}

fn day(name: &str) -> Result<usize, WindowError> {
    DAY_NAMES
        .iter()
        .position(|day| *day == name)
        .or_else(|| FULL_DAY_NAMES.iter().position(|day| *day == name))
        .ok_or_else(|| {
            let message = if name.is_empty() {
                "a day is missing: list days like mon-fri or sat,sun".to_string()
            } else {
                format!("`{name}` is not a day: use mon, tue, wed, thu, fri, sat or sun, a range such as mon-fri, or daily")
            };
            let help = match name {
                "weekday" | "weekdays" => Some("write mon-fri".to_string()),
                "weekend" | "weekends" => Some("write sat,sun".to_string()),
                _ => did_you_mean(name, DAY_NAMES.iter().chain(&FULL_DAY_NAMES).copied()),
            };
            WindowError::new(message).help(help)
        })
}

/// `HH:MM-HH:MM`, as minutes after midnight; the end may be `24:00`.
fn parse_times(text: &str) -> Result<(u16, u16), WindowError> {
    let Some((start, end)) = text.split_once('-') else {
        return Err(WindowError::new(format!(
            "`{text}` is not a time range: write HH:MM-HH:MM, as in 10:00-16:00"
        )));
    };
    let start = minutes(start).filter(|&minutes| minutes < MINUTES_PER_DAY);
    let end = minutes(end);
    match (start, end) {
        (Some(start), Some(end)) if start == end => Err(WindowError::new(format!(
            "`{text}` is empty: its end must differ from its start"
        ))
        .help(Some("00:00-24:00 is the whole day".to_string()))),
        // An end before the start is on the next day.
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(WindowError::new(format!(
            "`{text}` is not a time range: write HH:MM-HH:MM with times from 00:00 to 23:59 (24:00 may end one), as in 10:00-16:00"
        ))),
    }
}

/// `HH:MM` as minutes after midnight, up to 24:00.
fn minutes(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let two_digits = |part: &str| {
        (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u16>().ok())
            .flatten()
    };
    let (hours, minutes) = (two_digits(hours)?, two_digits(minutes)?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

/// An IANA name, from the time zone database built into jdeploy (or the system's).
fn parse_zone(name: &str) -> Result<TimeZone, WindowError> {
    TimeZone::get(name).map_err(|_| {
        let known: Vec<String> = jiff::tz::db()
            .available()
            .map(|zone| zone.as_str().to_string())
            .collect();
        let help = did_you_mean(name, known.iter().map(String::as_str)).or_else(|| {
            Some("use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC".to_string())
        });
        WindowError::new(format!("`{name}` is not a time zone name")).help(help)
    })
}
