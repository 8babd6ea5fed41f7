//! `!!timestamp`: ruamel's `timestamp_regexp` (for resolving and constructing) and
//! `create_timestamp` (a `datetime.date` or `datetime.datetime`).

use super::YamlError;
use crate::location::value::{Date, DateTime, Value};

/// Up to `n` leading ASCII digits of `s` as a number, and the rest.
fn digits(s: &str, n: usize) -> Option<(u32, &str)> {
    let take = s.bytes().take(n).take_while(u8::is_ascii_digit).count();
    if take == 0 {
        return None;
    }
    Some((s[..take].parse().ok()?, &s[take..]))
}

/// Hour/minute/second, the fraction digits and the zone text of a timestamp.
type TimeParts = ((u32, u32, u32), Option<String>, Option<String>);

/// The fields of a timestamp text, before any range check.
pub(super) struct TimestampParts {
    /// Year, month and day.
    date: (u32, u32, u32),
    /// The time of day, when there is one (else a date).
    time: Option<TimeParts>,
}

/// ruamel's `util.timestamp_regexp` (one- or two-digit month, day and hour; optional
/// fraction and zone; a single trailing newline allowed like `$`).
pub(super) fn parse_timestamp(value: &str) -> Option<TimestampParts> {
    let s = value.strip_suffix('\n').unwrap_or(value);
    let b = s.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year: u32 = s[..4].parse().ok()?;
    let rest = s[4..].strip_prefix('-')?;
    let (month, rest) = digits(rest, 2)?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = digits(rest, 2)?;
    if rest.is_empty() {
        return Some(TimestampParts {
            date: (year, month, day),
            time: None,
        });
    }
    let rest = match rest.strip_prefix(['T', 't']) {
        Some(r) => r,
        None => {
            let r = rest.trim_start_matches([' ', '\t']);
            if r.len() == rest.len() {
                return None;
            }
            r
        }
    };
    let (hour, rest) = digits(rest, 2)?;
    let rest = rest.strip_prefix(':')?;
    let (minute, rest) = digits(rest, 2).filter(|(_, r)| rest.len() - r.len() == 2)?;
    let rest = rest.strip_prefix(':')?;
    let (second, mut rest) = digits(rest, 2).filter(|(_, r)| rest.len() - r.len() == 2)?;
    let mut fraction = None;
    if let Some(r) = rest.strip_prefix('.') {
        let end = r
            .bytes()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(r.len());
        fraction = Some(r[..end].to_owned());
        rest = &r[end..];
    }
    let mut tz = None;
    if !rest.is_empty() {
        let r = rest.trim_start_matches([' ', '\t']);
        if r == "Z" {
            tz = Some("Z".to_owned());
        } else {
            let sign = r
                .as_bytes()
                .first()
                .filter(|c| **c == b'+' || **c == b'-')?;
            let (_, after) = digits(&r[1..], 2)?;
            let after = match after.strip_prefix(':') {
                Some(m) => digits(m, 2)
                    .filter(|(_, x)| m.len() - x.len() == 2)
                    .map(|(_, x)| x)?,
                None => after,
            };
            if !after.is_empty() {
                return None;
            }
            let _ = sign;
            tz = Some(r.to_owned());
        }
    }
    Some(TimestampParts {
        date: (year, month, day),
        time: Some(((hour, minute, second), fraction, tz)),
    })
}

/// The resolver's (stricter) implicit timestamp pattern.
pub(super) fn is_timestamp(s: &str) -> bool {
    let Some(parts) = parse_timestamp(s) else {
        return false;
    };
    if s.ends_with('\n') {
        return false;
    }
    match parts.time {
        None => s.len() == 10,
        Some(_) => true,
    }
}

/// The number of days of `month` in `year` (Gregorian).
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

/// ruamel's `create_timestamp` (datetime's range checks raise `ValueError`).
pub(super) fn make_timestamp(parts: TimestampParts) -> Result<Value, YamlError> {
    let (year, month, day) = parts.date;
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
    {
        return Err(YamlError::Construct(
            "timestamp date out of range".to_owned(),
        ));
    }
    let date = Date { year, month, day };
    let Some(((hour, minute, second), fraction, tz)) = parts.time else {
        return Ok(Value::Date(date));
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Err(YamlError::Construct(
            "timestamp time out of range".to_owned(),
        ));
    }
    let mut micro = 0u32;
    let mut carry = false;
    if let Some(fr) = fraction.filter(|f| !f.is_empty()) {
        let mut six: String = fr.chars().take(6).collect();
        while six.len() < 6 {
            six.push('0');
        }
        let mut frac: u32 = six.parse().unwrap_or(0);
        if fr.len() > 6 && fr.as_bytes()[6] > b'4' {
            frac += 1;
        }
        if frac > 999_999 {
            carry = true;
        } else {
            micro = frac;
        }
    }
    let tz = match tz {
        None => None,
        Some(z) if z == "Z" => Some((0, z)),
        Some(z) => {
            let negative = z.starts_with('-');
            let (h, m) = z[1..].split_once(':').unwrap_or((&z[1..], "0"));
            let h: i32 = h.parse().unwrap_or(0);
            let m: i32 = m.parse().unwrap_or(0);
            let total = h * 60 + m;
            if total >= 24 * 60 {
                return Err(YamlError::Construct(format!("UTC offset {z} out of range")));
            }
            Some((if negative { -total } else { total }, z))
        }
    };
    let mut dt = DateTime {
        date,
        hms: (hour, minute, second),
        micro,
        tz,
    };
    if carry {
        dt = add_second(dt)?;
    }
    Ok(Value::DateTime(dt))
}

/// `dt` one second later, for a fraction rounded up to a whole second.
fn add_second(mut dt: DateTime) -> Result<DateTime, YamlError> {
    dt.hms.2 += 1;
    if dt.hms.2 == 60 {
        dt.hms.2 = 0;
        dt.hms.1 += 1;
    }
    if dt.hms.1 == 60 {
        dt.hms.1 = 0;
        dt.hms.0 += 1;
    }
    if dt.hms.0 == 24 {
        dt.hms.0 = 0;
        dt.date.day += 1;
        if dt.date.day > days_in_month(dt.date.year, dt.date.month) {
            dt.date.day = 1;
            dt.date.month += 1;
            if dt.date.month == 13 {
                dt.date.month = 1;
                dt.date.year += 1;
                if dt.date.year > 9999 {
                    return Err(YamlError::Construct("date value out of range".to_owned()));
                }
            }
        }
    }
    Ok(dt)
}
