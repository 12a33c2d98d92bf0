//! Functions over a time window, `name(startDateTime=…,endDateTime=…)`: the
//! bound `summary` functions and the insights. By short or namespace-qualified
//! name, with unquoted (or quoted) timestamps, and without the comma, as the
//! official Python SDK sends them.

use super::tree::Node;
use crate::domain::timestamp;
use crate::error::GraphError;
use crate::openapi::Operation;
use actix_web::{FromRequest, Handler, Responder};
use chrono::{DateTime, Utc};

/// The function's parameters, by name.
const PARAMETERS: [&str; 2] = ["startDateTime", "endDateTime"];

/// The node of the function `name` (`summary`, `workflowsProcessedSummary`, …):
/// its segment, by short or namespace-qualified name, with any arguments.
pub fn node<F, Args>(name: &str, operation: Operation, handler: F) -> Node
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let pattern = format!(r"/{{function:(microsoft\.graph\.identityGovernance\.)?{name}\(.*\)}}");
    let documented = format!(
        "/microsoft.graph.identityGovernance.{name}(startDateTime={{startDateTime}},endDateTime={{endDateTime}})"
    );
    Node::matching(&pattern, &documented).get(operation, handler)
}

/// `[start, end)`, never empty: what a function counts by scheduledDateTime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl SummaryWindow {
    /// Parses the function segment of the URL (already percent-decoded), which
    /// the router matched by the function's name.
    pub fn parse(segment: &str) -> Result<Self, GraphError> {
        let call = segment.strip_prefix(super::NAMESPACE).unwrap_or(segment);
        let (name, arguments) = call
            .split_once('(')
            .and_then(|(name, rest)| Some((name, rest.strip_suffix(')')?)))
            .ok_or_else(|| {
                GraphError::invalid_request(
                    "The function is called as name(startDateTime=…,endDateTime=…).",
                )
            })?;
        let (mut start, mut end) = (None, None);
        for argument in split_arguments(arguments, &PARAMETERS) {
            let (name, value) = argument.split_once('=').ok_or_else(|| {
                GraphError::invalid_request(format!(
                    "The parameter '{argument}' of {name} has no value."
                ))
            })?;
            let slot = match name.trim() {
                "startDateTime" => &mut start,
                "endDateTime" => &mut end,
                other => {
                    return Err(GraphError::invalid_request(format!(
                        "The function {name} has no parameter '{other}': it takes startDateTime and endDateTime."
                    )))
                }
            };
            let value = value.trim().trim_matches('\'');
            *slot = Some(timestamp::parse(value).map_err(|reason| {
                GraphError::invalid_request(format!(
                    "Invalid value for parameter '{}': {reason}.",
                    name.trim()
                ))
            })?);
        }
        match (start, end) {
            (Some(start), Some(end)) if end > start => Ok(Self { start, end }),
            (Some(_), Some(_)) => Err(GraphError::invalid_request(
                "Invalid value for parameter 'endDateTime': it must be after startDateTime.",
            )),
            (None, _) => Err(GraphError::invalid_request(format!(
                "The parameter 'startDateTime' of {name} is required."
            ))),
            (_, None) => Err(GraphError::invalid_request(format!(
                "The parameter 'endDateTime' of {name} is required."
            ))),
        }
    }
}

/// The `name=value` arguments of a function call, split at the commas and
/// also where a parameter's name follows a value with no comma between them:
/// the official Python SDK writes `(startDateTime=…endDateTime=…)`, which is
/// unambiguous, since no value holds a parameter's name.
fn split_arguments<'a>(arguments: &'a str, names: &[&str]) -> Vec<&'a str> {
    let mut pieces = Vec::new();
    for piece in arguments.split(',') {
        let mut starts: Vec<usize> = names
            .iter()
            .flat_map(|name| {
                piece
                    .match_indices(&format!("{name}="))
                    .map(|(at, _)| at)
                    .filter(|&at| !piece[..at].trim().is_empty())
                    .collect::<Vec<_>>()
            })
            .collect();
        starts.sort_unstable();
        let mut from = 0;
        for start in starts {
            pieces.push(&piece[from..start]);
            from = start;
        }
        pieces.push(&piece[from..]);
    }
    pieces.retain(|piece| !piece.trim().is_empty());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_names_and_quoting() {
        for segment in [
            "summary(startDateTime=2026-01-01T00:00:00Z,endDateTime=2026-02-01T00:00:00Z)",
            "microsoft.graph.identityGovernance.summary(startDateTime='2026-01-01T00:00:00Z',endDateTime=2026-02-01T01:00:00+01:00)",
            // The official Python SDK's form: no comma.
            "microsoft.graph.identityGovernance.summary(startDateTime=2026-01-01T00:00:00+00:00endDateTime=2026-02-01T00:00:00+00:00)",
            "summary(endDateTime=2026-02-01T00:00:00ZstartDateTime=2026-01-01T00:00:00Z)",
        ] {
            let window = SummaryWindow::parse(segment).unwrap();
            assert_eq!(timestamp::render(&window.start), "2026-01-01T00:00:00Z");
            assert_eq!(timestamp::render(&window.end), "2026-02-01T00:00:00Z");
        }
    }

    #[test]
    fn both_parameters_are_required_and_checked() {
        for (segment, named) in [
            ("summary(startDateTime=2026-01-01T00:00:00Z)", "endDateTime"),
            ("summary(endDateTime=2026-01-01T00:00:00Z)", "startDateTime"),
            ("summary()", "startDateTime"),
            ("summary(startDateTime=yesterday,endDateTime=2026-01-01T00:00:00Z)", "startDateTime"),
            ("summary(startDateTime=2026-01-01T00:00:00Z,endDateTime=2026-01-02T00:00:00Z,top=1)", "top"),
            ("summary(startDateTime=2026-01-01T00:00:00ZendDateTime=)", "endDateTime"),
            ("summary(startDateTime=2026-01-01T00:00:00Ztop=1)", "startDateTime"),
            ("summary(startDateTime=2026-01-02T00:00:00Z,endDateTime=2026-01-02T00:00:00Z)", "endDateTime"),
            ("summary(startDateTime=2026-01-02T00:00:00Z,endDateTime=2026-01-01T00:00:00+01:00)", "endDateTime"),
        ] {
            let error = SummaryWindow::parse(segment).unwrap_err();
            assert!(error.message.contains(named), "{segment}: {}", error.message);
        }
    }

    /// The function segment as the router hands it over (any text between
    /// `summary(` and the last `)`), and arbitrary text.
    fn segment() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let timestamp = prop_oneof![
            prop::sample::select(vec![
                "2026-01-01T00:00:00Z",
                "'2026-01-01T00:00:00Z'",
                "2026-01-01",
                "9999-12-31T23:59:59.9999999-14:00",
                "0000-01-01T00:00:00+14:00",
                "2026-01-01T00:00:00.12345678Z",
                "",
                "'",
                "''",
                "=",
                ",",
                ")",
            ])
            .prop_map(str::to_owned),
            "\\PC{0,30}",
        ];
        let name = prop::sample::select(vec![
            "startDateTime",
            "endDateTime",
            " startDateTime ",
            "top",
            "",
            "=",
        ]);
        let arguments =
            prop::collection::vec((name, prop::option::of(timestamp)), 0..4).prop_map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(name, value)| match value {
                        Some(value) => format!("{name}={value}"),
                        None => name.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            });
        let prefix = prop::sample::select(vec![
            "summary(",
            "microsoft.graph.identityGovernance.summary(",
            "summary",
            "",
        ]);
        prop_oneof![
            4 => (prefix, arguments, prop::sample::select(vec![")", "))", ""])).prop_map(|(p, a, s)| format!("{p}{a}{s}")),
            1 => "\\PC{0,80}",
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_segment_is_a_window_or_a_400_naming_the_parameter(segment in segment()) {
            if let Err(error) = SummaryWindow::parse(&segment) {
                proptest::prop_assert_eq!(error.status, actix_web::http::StatusCode::BAD_REQUEST);
                proptest::prop_assert!(
                    error.message.contains("function") || error.message.contains("parameter '"),
                    "{}: {}", segment, error.message
                );
            }
        }
    }
}
