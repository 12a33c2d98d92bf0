//! OData query options of list requests: `$top`, `$skiptoken`, `$count`,
//! `$filter` and `$search`, parsed
//! from the query string (`$` may be sent as `%24`, spaces as `%20` or `+`).
//! Options the service does not implement are refused, never ignored.

mod criteria;
mod filter;
mod order;
mod paging;

pub use criteria::{
    check_rule, push_after, push_condition, Bound, Condition, Criteria, Field, FieldKind,
};
pub use order::{Direction, OrderKey};
pub use paging::Cursor;

use crate::error::GraphError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{ready, Ready};
use url::form_urlencoded;

/// Items a page holds unless `$top` says otherwise.
pub const DEFAULT_TOP: u16 = 100;
/// The most items a page may hold.
pub const MAX_TOP: u16 = 999;

/// The options of one list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOptions {
    pub top: u16,
    pub after: Option<Cursor>,
    pub count: bool,
    /// `$filter` and `$search` as sent; [`Criteria::check`] checks them against a
    /// resource.
    pub filter: Option<String>,
    pub search: Option<String>,
    pub orderby: Option<String>,
    /// Every option but `$skiptoken`, as sent, to repeat in `@odata.nextLink`.
    repeated: Vec<(String, String)>,
}

impl ListOptions {
    pub fn parse(query: &str) -> Result<Self, GraphError> {
        let mut options = Self {
            top: DEFAULT_TOP,
            after: None,
            count: false,
            filter: None,
            search: None,
            orderby: None,
            repeated: Vec::new(),
        };
        let mut seen = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if name.starts_with('$') {
                if seen.contains(&name) {
                    return Err(GraphError::invalid_request(format!(
                        "The query option '{name}' is given more than once."
                    )));
                }
                seen.push(name.clone());
            }
            match name.as_ref() {
                "$top" => options.top = parse_top(&value)?,
                "$skiptoken" => {
                    options.after = Some(Cursor::decode(&value)?);
                    continue;
                }
                "$count" => options.count = parse_bool("$count", &value)?,
                "$filter" => options.filter = Some(value.clone().into_owned()),
                "$search" => options.search = Some(value.clone().into_owned()),
                "$orderby" => options.orderby = Some(value.clone().into_owned()),
                // Checked against the resource when the response is written.
                "$select" | "$expand" => {}
                other if other.starts_with('$') => {
                    return Err(GraphError::invalid_request(format!(
                        "The query option '{other}' is not supported on this collection."
                    )))
                }
                // Custom options (without `$`) are the client's; carry them along.
                _ => {}
            }
            options
                .repeated
                .push((name.into_owned(), value.into_owned()));
        }
        Ok(options)
    }

    /// The absolute URL of the page after `cursor`: this request's URL (`url`,
    /// without its query) with the same options and a `$skiptoken`.
    pub fn next_link(&self, url: &str, cursor: &Cursor) -> String {
        let mut link = format!("{url}?");
        for (name, value) in &self.repeated {
            push_option(&mut link, name, value);
            link.push('&');
        }
        push_option(&mut link, "$skiptoken", &cursor.encode());
        link
    }
}

fn push_option(link: &mut String, name: &str, value: &str) {
    // `$` stays literal in option names, as Graph writes them.
    match name.strip_prefix('$') {
        Some(rest) => {
            link.push('$');
            link.extend(form_urlencoded::byte_serialize(rest.as_bytes()));
        }
        None => link.extend(form_urlencoded::byte_serialize(name.as_bytes())),
    }
    link.push('=');
    link.extend(form_urlencoded::byte_serialize(value.as_bytes()));
}

fn parse_top(value: &str) -> Result<u16, GraphError> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|top| (1..=MAX_TOP).contains(top))
        .ok_or_else(|| {
            GraphError::invalid_request(format!(
                "The query option '$top' must be a whole number from 1 to {MAX_TOP}, not '{value}'."
            ))
        })
}

fn parse_bool(option: &str, value: &str) -> Result<bool, GraphError> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(GraphError::invalid_request(format!(
            "The query option '{option}' must be true or false, not '{value}'."
        ))),
    }
}

impl FromRequest for ListOptions {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(request.query_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn defaults_and_both_spellings() {
        assert_eq!(ListOptions::parse("").unwrap().top, DEFAULT_TOP);
        let options = ListOptions::parse("%24top=5&$count=true&tag=a%20b").unwrap();
        assert_eq!(options.top, 5);
        assert!(options.count);
    }

    #[test]
    fn next_link_repeats_every_option_but_the_old_token() {
        let old = Cursor {
            after_id: Uuid::from_u128(1),
            keys: Vec::new(),
        }
        .encode();
        let options =
            ListOptions::parse(&format!("%24top=5&tag=a+b&$skiptoken={old}&$count=true")).unwrap();
        let cursor = Cursor {
            after_id: Uuid::from_u128(2),
            keys: Vec::new(),
        };
        assert_eq!(
            options.next_link("https://h/beta/x", &cursor),
            format!(
                "https://h/beta/x?$top=5&tag=a+b&$count=true&$skiptoken={}",
                cursor.encode()
            )
        );
    }

    /// Query strings made of the options the service reads (written with `$`,
    /// `%24` or neither), and values that are often nearly right.
    fn query_string() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let name = prop_oneof![
            4 => prop::sample::select(vec![
                "$top", "%24top", "$skiptoken", "$count", "$filter", "%24filter", "$search",
                "$orderby", "$select", "$expand", "$skip", "$", "$TOP", "top", "", "%", "%2", "$top%00",
            ]).prop_map(str::to_owned),
            1 => "\\PC{0,10}",
        ];
        let value =
            prop_oneof![
                prop::sample::select(vec![
                "", "1", "999", "1000", "0", "-1", "65536", "1e3", " 5", "true", "false", "TRUE",
                "processingStatus eq 'failed'", "id desc, createdDateTime", "\"x\"", "\"",
                "eyJhZnRlciI6IjAxOWFhZDEyLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMCJ9",
                "eyJhZnRlciI6IjAxOWFhZDEyLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMCIsImtleXMiOlsxXX0",
                "%FF%FE", "%", "%%", "a&b", "=", "+", "%2B", "\u{0}",
            ])
                .prop_map(str::to_owned),
                "\\PC{0,40}",
                any::<Vec<u8>>().prop_map(|bytes| {
                    base64::engine::Engine::encode(
                        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                        bytes,
                    )
                }),
            ];
        prop_oneof![
            4 => prop::collection::vec((name, value, any::<bool>()), 0..6).prop_map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(name, value, encode)| {
                        let value = if encode {
                            url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
                        } else {
                            value
                        };
                        format!("{name}={value}")
                    })
                    .collect::<Vec<_>>()
                    .join("&")
            }),
            1 => "\\PC{0,200}",
        ]
    }

    fn assert_names_an_option(error: &GraphError, query: &str) {
        assert_eq!(
            error.status,
            actix_web::http::StatusCode::BAD_REQUEST,
            "{query}"
        );
        assert_eq!(error.code(), "invalidRequest", "{query}");
        assert!(error.message.contains("'$"), "{query}: {}", error.message);
    }

    /// What each list the routes serve can filter and search by.
    static LISTED: std::sync::LazyLock<Vec<crate::openapi::CriteriaDoc>> =
        std::sync::LazyLock::new(|| {
            crate::routes::endpoints()
                .into_iter()
                .filter_map(|endpoint| match endpoint.operation.kind {
                    crate::openapi::Kind::List { criteria, .. } => Some(criteria),
                    _ => None,
                })
                .collect()
        });

    proptest::proptest! {
        /// `ListOptions::parse`, then the checks of every collection's whitelist
        /// (`$filter`, `$orderby`, `$search`) and the `$skiptoken`'s keys against
        /// its `$orderby`: never a panic, and every refusal a 400 naming the option.
        #[test]
        fn hostile_query_strings_are_options_or_a_400_naming_the_option(query in query_string()) {
            match ListOptions::parse(&query) {
                Err(error) => assert_names_an_option(&error, &query),
                Ok(options) => {
                    for criteria in LISTED.iter() {
                        match Criteria::check(&options, criteria.filterable, criteria.searchable) {
                            Err(error) => assert_names_an_option(&error, &query),
                            Ok(criteria) => {
                                if let Some(cursor) = &options.after {
                                    for (key, value) in criteria.order.iter().zip(&cursor.keys) {
                                        let _ = Bound::from_json(key.kind, value);
                                    }
                                }
                                let mut builder = sqlx::QueryBuilder::new("select 1 where true");
                                criteria.push(&mut builder);
                            }
                        }
                    }
                    let _ = options.next_link("http://localhost/beta/x", &Cursor { after_id: Uuid::nil(), keys: Vec::new() });
                }
            }
        }

        #[test]
        fn skiptokens_of_any_json_are_a_cursor_or_a_400(json in "\\PC{0,80}", keys in proptest::collection::vec(proptest::prelude::any::<i64>(), 0..3)) {
            use base64::Engine;
            for text in [json.clone(), format!("{{\"after\":\"{}\",\"keys\":{keys:?}}}", Uuid::nil()), format!("{{\"after\":{json}}}")] {
                let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text.as_bytes());
                if let Err(error) = ListOptions::parse(&format!("$skiptoken={token}")) {
                    assert_names_an_option(&error, &text);
                }
            }
        }
    }

    #[test]
    fn refuses_bad_and_unsupported_options() {
        for query in [
            "$top=0",
            "$top=1000",
            "$top=-1",
            "$top=ten",
            "$count=yes",
            "$skip=10",
            "$apply=x",
            "$top=1&$top=2",
            "$skiptoken=garbage",
            "$unknown=1",
        ] {
            let error = ListOptions::parse(query).unwrap_err();
            let option = query.split('=').next().unwrap();
            assert!(error.message.contains(option), "{query}: {}", error.message);
        }
    }
}
