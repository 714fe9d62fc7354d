//! What both benchmarks print: medians, and times against the floor of the same run.

// Each benchmark uses what it prints.
#![allow(dead_code)]

use std::time::Duration;

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn row(label: &str, time: Duration, floor: Duration, target: &str) {
    let ratio = time.as_secs_f64() / floor.as_secs_f64();
    println!(
        "  {label:<22} {:>7.3} s  {ratio:>6.2}x floor  {target}",
        time.as_secs_f64()
    );
}
