//! Durations as Graph writes them (`Edm.Duration`, ISO 8601: `PT5M`), and as
//! the Python SDK writes a `timedelta` (`0:05:00`): days, hours, minutes and
//! whole seconds. Years, months and fractions of a second are not read.

use chrono::Duration;

/// `PnDTnHnMnS` (each part optional, at least one) or `H:MM:SS`.
pub fn parse(text: &str) -> Option<Duration> {
    match text.strip_prefix('P') {
        Some(iso) => parse_iso(iso),
        None => parse_clock(text),
    }
}

/// The shortest ISO 8601 form: `PT5M`, `PT1H30M`, `P1DT2H`, `PT0S`.
pub fn format(duration: Duration) -> String {
    let seconds = duration.num_seconds();
    let parts = [
        (seconds / 86_400, "D"),
        (seconds % 86_400 / 3_600, "H"),
        (seconds % 3_600 / 60, "M"),
        (seconds % 60, "S"),
    ];
    let written = |parts: &[(i64, &str)]| -> String {
        parts
            .iter()
            .filter(|(count, _)| *count != 0)
            .map(|(count, unit)| format!("{count}{unit}"))
            .collect()
    };
    let (days, time) = (written(&parts[..1]), written(&parts[1..]));
    match (days.is_empty(), time.is_empty()) {
        (true, true) => "PT0S".to_owned(),
        (_, true) => format!("P{days}"),
        _ => format!("P{days}T{time}"),
    }
}

/// What follows the `P`: `nD`, then `T` and `nH`, `nM`, `nS`, in that order.
fn parse_iso(text: &str) -> Option<Duration> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return None,
        None => (text, None),
    };
    let days = match date {
        "" => None,
        date => Some(units(date, &['D'])?),
    };
    let time = match time {
        Some(time) => Some(units(time, &['H', 'M', 'S'])?),
        None => None,
    };
    if days.is_none() && time.is_none() {
        return None;
    }
    days.unwrap_or_default()
        .checked_add(&time.unwrap_or_default())
}

/// Numbers each followed by one of `order`'s units, in that order, each at
/// most once.
fn units(mut text: &str, order: &[char]) -> Option<Duration> {
    let mut total = Duration::zero();
    let mut allowed = order;
    while !text.is_empty() {
        let digits = text.find(|c: char| !c.is_ascii_digit())?;
        let (number, rest) = text.split_at(digits);
        let unit = rest.chars().next()?;
        let position = allowed.iter().position(|allowed| *allowed == unit)?;
        let count: i64 = number.parse().ok()?;
        let part = match unit {
            'D' => Duration::try_days(count)?,
            'H' => Duration::try_hours(count)?,
            'M' => Duration::try_minutes(count)?,
            _ => Duration::try_seconds(count)?,
        };
        total = total.checked_add(&part)?;
        allowed = &allowed[position + 1..];
        text = &rest[unit.len_utf8()..];
    }
    Some(total)
}

/// `H:MM:SS`, as Python's `str(timedelta)` writes a duration under a day.
fn parse_clock(text: &str) -> Option<Duration> {
    let mut fields = text.split(':');
    let (hours, minutes, seconds) = (fields.next()?, fields.next()?, fields.next()?);
    let number = |field: &str, most: i64| -> Option<i64> {
        let digits = !field.is_empty() && field.bytes().all(|byte| byte.is_ascii_digit());
        let value: i64 = field.parse().ok().filter(|_| digits)?;
        (value <= most).then_some(value)
    };
    if fields.next().is_some() || minutes.len() != 2 || seconds.len() != 2 {
        return None;
    }
    Some(
        Duration::try_hours(number(hours, 23)?)?
            + Duration::try_minutes(number(minutes, 59)?)?
            + Duration::try_seconds(number(seconds, 59)?)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_iso_8601_and_python_s_clock_form() {
        for (text, minutes) in [
            ("PT5M", 5),
            ("PT3H", 180),
            ("PT1H30M", 90),
            ("PT300S", 5),
            ("P0DT20M", 20),
            ("P1D", 1440),
            ("0:05:00", 5),
            ("3:00:00", 180),
            ("1:30:00", 90),
        ] {
            assert_eq!(parse(text), Some(Duration::minutes(minutes)), "{text}");
        }
        for text in [
            "",
            "P",
            "PT",
            "5M",
            "PT5",
            "PTM",
            "PT5M3H",
            "PT5M5M",
            "P1M",
            "P1Y",
            "PT1.5S",
            "PT-5M",
            "P1W",
            "P106751991167DT23H",
            "pt5m",
            "0:5:00",
            "0:05",
            "0:05:00.5",
            "1 day, 0:00:00",
            "24:00:00",
            "x",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn writes_the_shortest_iso_form_that_reads_back() {
        for (duration, text) in [
            (Duration::minutes(5), "PT5M"),
            (Duration::hours(3), "PT3H"),
            (Duration::minutes(90), "PT1H30M"),
            (Duration::seconds(301), "PT5M1S"),
            (Duration::hours(26), "P1DT2H"),
            (Duration::days(2), "P2D"),
            (Duration::zero(), "PT0S"),
        ] {
            assert_eq!(format(duration), text);
            assert_eq!(parse(text), Some(duration), "{text}");
        }
    }
}
