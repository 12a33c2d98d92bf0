//! Edm.DateTimeOffset as Graph accepts and renders it.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, Utc};
use serde::{de, Deserialize, Deserializer, Serializer};
use std::borrow::Cow;

/// Parses an RFC 3339 date-time with any offset and up to 7 fractional digits
/// (Edm.DateTimeOffset's precision); one without an offset is read as UTC. A date
/// alone, or more fractional digits, is refused. The result is cut to the
/// microsecond, the precision Postgres stores.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    parse_exact(text).map(|at| at.trunc_subsecs(6))
}

fn parse_exact(text: &str) -> Result<DateTime<Utc>, String> {
    let refuse =
        || format!("'{text}' is not an RFC 3339 date-time with at most 7 fractional digits");
    if fractional_digits(text) > 7 {
        return Err(refuse());
    }
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Ok(with_offset.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|naive| naive.and_utc())
        .map_err(|_| refuse())
}

fn fractional_digits(text: &str) -> usize {
    text.split_once('.').map_or(0, |(_, rest)| {
        rest.bytes().take_while(u8::is_ascii_digit).count()
    })
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
