//! Edm.DateTimeOffset as Graph accepts and renders it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, SubsecRound, Utc};
use serde::{de, Deserialize, Deserializer, Serializer};
use std::borrow::Cow;

/// Parses an RFC 3339 date-time with any offset and up to 7 fractional digits
/// (Edm.DateTimeOffset's precision); one without an offset is read as UTC. A date
/// alone, more fractional digits, any other shape (a field of other width, a
/// signed or five-digit year) and an instant outside the years 0000 to 9999 in UTC
/// are refused: what is stored always renders back as RFC 3339, and PostgreSQL
/// can store it. The result is cut to the microsecond, the precision Postgres
/// stores.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    let refuse =
        || format!("'{text}' is not an RFC 3339 date-time with at most 7 fractional digits");
    if !has_rfc3339_shape(text) {
        return Err(refuse());
    }
    let at = parse_exact(text).map_err(|_| refuse())?;
    if !(earliest()..=latest()).contains(&at) {
        return Err(format!("'{text}' is outside the years 0000 to 9999 in UTC"));
    }
    Ok(at.trunc_subsecs(6))
}

fn parse_exact(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Ok(with_offset.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|naive| naive.and_utc())
}

/// `YYYY-MM-DDTHH:MM:SS`, then `.` and 1 to 7 digits, then `Z` or `±HH:MM` or
/// nothing; `T` and `Z` in either case.
fn has_rfc3339_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let at = |index: usize, allowed: &[u8]| bytes.get(index).is_some_and(|b| allowed.contains(b));
    let date_time = digits(0..4)
        && at(4, b"-")
        && digits(5..7)
        && at(7, b"-")
        && digits(8..10)
        && at(10, b"Tt")
        && digits(11..13)
        && at(13, b":")
        && digits(14..16)
        && at(16, b":")
        && digits(17..19);
    if !date_time {
        return false;
    }
    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=7).contains(&count) {
            return false;
        }
        rest = &fraction[count..];
    }
    match rest {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(0, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |at| at.and_utc())
}

fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|day| day.and_hms_nano_opt(23, 59, 59, 999_999_999))
        .map_or(DateTime::<Utc>::MAX_UTC, |at| at.and_utc())
}

/// A timestamp in a request body, parsed by [`parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(Timestamp)
    }
}

/// Renders in UTC with a `Z`, with only as many fractional digits as needed.
pub fn render(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `#[serde(deserialize_with)]` for a required timestamp.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = Cow::<str>::deserialize(deserializer)?;
    parse(&text).map_err(de::Error::custom)
}

/// `#[serde(deserialize_with)]` for an optional timestamp (`null` is none).
pub fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<Cow<str>>::deserialize(deserializer)?
        .map(|text| parse(&text).map_err(de::Error::custom))
        .transpose()
}

/// `#[serde(serialize_with)]` for a required timestamp.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&render(at))
}

/// `#[serde(serialize_with)]` for an optional timestamp (none is `null`).
pub fn serialize_option<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_offsets_and_fractions_and_renders_utc() {
        let cases = [
            ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"),
            ("2026-01-02T05:04:05+02:00", "2026-01-02T03:04:05Z"),
            (
                "2026-01-02T03:04:05.1234567Z",
                "2026-01-02T03:04:05.123456Z",
            ),
            ("2026-01-02T03:04:05.5-01:30", "2026-01-02T04:34:05.500Z"),
            ("2026-01-02T03:04:05", "2026-01-02T03:04:05Z"),
            ("2026-01-02T03:04:05.25", "2026-01-02T03:04:05.250Z"),
            ("2026-01-02t03:04:05z", "2026-01-02T03:04:05Z"),
            ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
            ("0000-01-01T01:00:00+01:00", "0000-01-01T00:00:00Z"),
            (
                "9999-12-31T23:59:59.9999999Z",
                "9999-12-31T23:59:59.999999Z",
            ),
        ];
        for (input, rendered) in cases {
            assert_eq!(render(&parse(input).unwrap()), rendered, "{input}");
        }
    }

    #[test]
    fn refuses_dates_garbage_and_excess_precision() {
        for input in [
            "2026-01-02",
            "yesterday",
            "2026-01-02T03:04:05.12345678Z",
            "",
            // Found by `any_text_parses_or_is_refused` and schemathesis-style
            // probing: the fallback for timestamps without an offset read
            // chrono's lenient format, which takes one-digit fields and signed or
            // long years; a year before 4713 BC was then a 500 from PostgreSQL,
            // and others rendered as '-0001-…' or '+200000-…', not RFC 3339.
            "-1-1-1T0:0:0",
            "2026-1-2T3:4:5",
            "-5000-01-01T00:00:00",
            "+200000-01-01T00:00:00",
            "+2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05.Z",
            "2026-01-02T03:04:05+0100",
            "2026-01-02 03:04:05Z",
            "0000-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59.9999999-00:01",
        ] {
            assert!(parse(input).is_err(), "{input}");
        }
    }

    proptest::proptest! {
        /// Text shaped like a date-time, every part of it possibly out of range,
        /// and any text: parsed or refused, never a panic; what parses renders
        /// back to a timestamp that parses to the same instant.
        #[test]
        fn any_text_parses_or_is_refused(
            text in proptest::prop_oneof![
                "[0-9+-]{1,7}-[0-9]{1,3}-[0-9]{1,3}[Tt ][0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3}(\\.[0-9]{0,12})?)?(Z|z|[+-][0-9]{1,3}:[0-9]{1,3}|[+-][0-9]{4})?",
                "\\PC{0,40}",
            ]
        ) {
            if let Ok(at) = parse(&text) {
                proptest::prop_assert_eq!(parse(&render(&at)), Ok(at), "{}", text);
            }
        }
    }
}
