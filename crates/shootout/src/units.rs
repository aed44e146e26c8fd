//! Durations and rates as people type them (`500ms`, `10s`, `2m`, `0.5`),
//! shared by the command line and the scenario files.

use std::time::Duration;

message_error! {
    /// A duration or rate that does not parse, with what was expected.
    UnitError
}

/// `250ms`, `10s`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, UnitError> {
    let s = s.trim();
    let err = |m: String| Err(UnitError(m));
    if s.starts_with('-') {
        return err(format!("{s:?} must be a positive duration"));
    }
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let Ok(value) = number.parse::<f64>() else {
        return err(format!("{s:?} is not a duration (try 500ms, 10s or 2m)"));
    };
    let seconds = match unit {
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "us" | "µs" => value / 1e6,
        _ => {
            return err(format!(
                "unknown unit {unit:?} in {s:?} (use ms, s, m or h)"
            ));
        }
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return err(format!("{s:?} must be a positive duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A duration, or zero (`0`, `0s`).
pub fn parse_duration_or_zero(s: &str) -> Result<Duration, UnitError> {
    if s.trim().trim_end_matches(|c: char| c.is_ascii_alphabetic()) == "0" {
        return Ok(Duration::ZERO);
    }
    parse_duration(s)
}

/// A positive, finite number of requests per second.
pub fn parse_rate(s: &str) -> Result<f64, UnitError> {
    let rate: f64 = s.trim().trim_end_matches("/s").parse().map_err(|_| {
        UnitError(format!(
            "{s:?} is not a rate (requests per second, e.g. 1000 or 0.5)"
        ))
    })?;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(UnitError(format!(
            "rate must be a positive number of requests per second (got {s})"
        )));
    }
    Ok(rate)
}

/// `Name: value`, with a valid header name.
pub fn parse_header(s: &str) -> Result<(String, String), UnitError> {
    let err = |m: String| Err(UnitError(m));
    let Some((name, value)) = s.split_once(':') else {
        return err(format!("malformed header {s:?}: expected 'Name: value'"));
    };
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        return err(format!(
            "malformed header {s:?}: {name:?} is not a header name"
        ));
    }
    if value.contains(['\r', '\n']) {
        return err(format!(
            "malformed header {s:?}: line breaks are not allowed"
        ));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
