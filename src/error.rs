//! The one error type of the service and Graph's error body.
//!
//! Handlers and extractors return [`GraphError`]; the request-context middleware
//! (`middleware.rs`) writes the body of every error response, because only it knows
//! the request id that `innerError` must carry. It also turns framework responses
//! without a body of ours (a 405 from the router, say) into Graph errors by status.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// Seconds a client should wait before retrying when the service is unavailable.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// One Graph error the service answers with: its status, Graph's code, the
/// header it carries, and how the OpenAPI document describes it. Every error
/// response comes from a row of this table, and so does the document's list of
/// error responses.
#[derive(Debug, PartialEq, Eq)]
pub struct ErrorKind {
    pub status: StatusCode,
    /// Graph's error code. It is API: never change one.
    pub code: &'static str,
    /// The name of the document's response component: the code, unless several
    /// statuses share it.
    pub name: &'static str,
    pub description: &'static str,
    pub header: Option<ErrorHeader>,
}

/// A header an error response carries besides the body, as the document
/// describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorHeader {
    pub name: &'static str,
    pub description: &'static str,
}

const RETRY_AFTER: ErrorHeader = ErrorHeader {
    name: "Retry-After",
    description: "Seconds to wait before retrying",
};
const BEARER_CHALLENGE: ErrorHeader = ErrorHeader {
    name: "WWW-Authenticate",
    description: "The bearer challenge",
};

macro_rules! error_kinds {
    ($($(#[$doc:meta])* $kind:ident: $status:ident, $code:literal, $name:literal, $header:expr, $description:literal;)*) => {
        $(
            $(#[$doc])*
            pub const $kind: ErrorKind = ErrorKind {
                status: StatusCode::$status,
                code: $code,
                name: $name,
                description: $description,
                header: $header,
            };
        )*
        /// Every row, in the order of their statuses.
        pub const ERROR_KINDS: &[&ErrorKind] = &[$(&$kind),*];
    };
}

error_kinds! {
    INVALID_REQUEST: BAD_REQUEST, "invalidRequest", "invalidRequest", None,
        "The request is malformed: the message names the part at fault";
    /// The bearer token is missing or not valid.
    UNAUTHENTICATED: UNAUTHORIZED, "InvalidAuthenticationToken", "invalidAuthenticationToken",
        Some(BEARER_CHALLENGE), "No bearer token, or one that is not valid";
    ACCESS_DENIED: FORBIDDEN, "accessDenied", "accessDenied", None,
        "The token does not grant the permission the operation needs";
    ITEM_NOT_FOUND: NOT_FOUND, "itemNotFound", "itemNotFound", None,
        "The addressed entity, or one of its parents, does not exist";
    NOT_ALLOWED: METHOD_NOT_ALLOWED, "notAllowed", "notAllowed", None,
        "The deleted tree is read-only apart from restore and delete";
    CONFLICT: CONFLICT, "conflict", "conflict", None,
        "The write conflicts with the entity's state";
    REQUEST_TOO_LARGE: PAYLOAD_TOO_LARGE, "requestTooLarge", "requestTooLarge", None,
        "The body is larger than the service accepts";
    URL_TOO_LONG: URI_TOO_LONG, "invalidRequest", "urlTooLong", None,
        "The URL is longer than the service reads (code invalidRequest)";
    UNSUPPORTED_MEDIA_TYPE: UNSUPPORTED_MEDIA_TYPE, "unsupportedMediaType", "unsupportedMediaType",
        None, "The body is not sent as application/json";
    /// An `Idempotency-Key` reused for a different request.
    KEY_REUSED: UNPROCESSABLE_ENTITY, "invalidRequest", "keyReused", None,
        "The Idempotency-Key was used for a different request (code invalidRequest)";
    /// Inside a `$batch`: a request whose dependency did not succeed.
    FAILED_DEPENDENCY: FAILED_DEPENDENCY, "failedDependency", "failedDependency", None,
        "Inside a $batch, a request whose dependsOn did not succeed";
    ACTIVITY_LIMIT_REACHED: TOO_MANY_REQUESTS, "activityLimitReached", "activityLimitReached",
        Some(RETRY_AFTER),
        "The tenant's rate limit is reached (when one is configured): retry after the delay";
    HEADERS_TOO_LARGE: REQUEST_HEADER_FIELDS_TOO_LARGE, "invalidRequest", "headersTooLarge", None,
        "The request's headers are larger than the service reads (code invalidRequest)";
    GENERAL_EXCEPTION: INTERNAL_SERVER_ERROR, "generalException", "generalException", None,
        "The service failed: the cause is logged with the request id";
    SERVICE_NOT_AVAILABLE: SERVICE_UNAVAILABLE, "serviceNotAvailable", "serviceNotAvailable",
        Some(RETRY_AFTER),
        "The database cannot be reached, or the request ran out of time: retry after the delay";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub kind: &'static ErrorKind,
    /// The status answered: the kind's, except for framework errors mapped by
    /// status ([`GraphError::from_status`]).
    pub status: StatusCode,
    pub message: String,
    /// Seconds to wait before retrying, sent as `Retry-After` (429s and 503s).
    pub retry_after: Option<u32>,
}

impl GraphError {
    pub fn new(kind: &'static ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: kind.status,
            message: message.into(),
            retry_after: (kind.header == Some(RETRY_AFTER)).then_some(RETRY_AFTER_SECONDS),
        }
    }

    /// Graph's error code.
    pub fn code(&self) -> &'static str {
        self.kind.code
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(&INVALID_REQUEST, message)
    }

    /// 401: `message` says which check failed and goes into `WWW-Authenticate` too.
    pub fn unauthenticated(message: &'static str) -> Self {
        Self::new(&UNAUTHENTICATED, message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(&ACCESS_DENIED, message)
    }

    /// RFC 6750's challenge, with our message as its quoted description (so a
    /// quote or backslash in it becomes an apostrophe).
    fn bearer_challenge(&self) -> String {
        format!(
            "Bearer realm=\"lifecycle-workflows\", error=\"invalid_token\", error_description=\"{}\"",
            self.message.replace(['"', '\\'], "'")
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(&ITEM_NOT_FOUND, message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(&NOT_ALLOWED, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(&CONFLICT, message)
    }

    pub fn key_reused(message: impl Into<String>) -> Self {
        Self::new(&KEY_REUSED, message)
    }

    pub fn failed_dependency(message: impl Into<String>) -> Self {
        Self::new(&FAILED_DEPENDENCY, message)
    }

    pub fn too_large(limit_bytes: usize) -> Self {
        Self::new(
            &REQUEST_TOO_LARGE,
            format!("The request body is larger than the limit of {limit_bytes} bytes."),
        )
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(&UNSUPPORTED_MEDIA_TYPE, message)
    }

    pub fn url_too_long(limit_bytes: usize) -> Self {
        Self::new(
            &URL_TOO_LONG,
            format!("The URL is longer than the limit of {limit_bytes} bytes."),
        )
    }

    pub fn headers_too_large(limit_bytes: usize) -> Self {
        Self::new(
            &HEADERS_TOO_LARGE,
            format!("The request's headers are larger than the limit of {limit_bytes} bytes."),
        )
    }

    /// 429: the tenant sent more requests than its rate allows.
    pub fn too_many_requests(retry_after_seconds: u32) -> Self {
        Self {
            retry_after: Some(retry_after_seconds),
            ..Self::new(
                &ACTIVITY_LIMIT_REACHED,
                "The tenant has sent more requests than its rate limit allows; retry after \
                 the time in Retry-After.",
            )
        }
    }

    pub fn unavailable() -> Self {
        Self::unavailable_because(
            "The service is temporarily unavailable; retry after the time in Retry-After.",
        )
    }

    /// 503 with `Retry-After`, saying why.
    pub fn unavailable_because(message: impl Into<String>) -> Self {
        Self::new(&SERVICE_NOT_AVAILABLE, message)
    }

    /// A failure that is the service's fault. The cause is logged (inside the
    /// request's span, so with its request id) and never shown to the client.
    /// The log names the line that made the error.
    #[track_caller]
    pub fn internal(cause: &dyn fmt::Display) -> Self {
        let location = std::panic::Location::caller();
        tracing::error!(cause = %cause, %location, "internal error");
        Self::new(&GENERAL_EXCEPTION, "An internal error occurred.")
    }

    /// The Graph error for a response the framework produced without one of ours:
    /// the kind of that status, or invalidRequest for another client error.
    pub fn from_status(status: StatusCode, method: &str) -> Self {
        let message = match status {
            StatusCode::NOT_FOUND => "The requested resource does not exist.".to_owned(),
            StatusCode::METHOD_NOT_ALLOWED => {
                format!("The method {method} is not allowed on this resource.")
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                "The request is larger than the service accepts.".to_owned()
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "The request's Content-Type is not supported.".to_owned()
            }
            StatusCode::SERVICE_UNAVAILABLE => return Self::unavailable(),
            status if status.is_client_error() => "The request is not valid.".to_owned(),
            _ => "An internal error occurred.".to_owned(),
        };
        let kind = ERROR_KINDS
            .iter()
            .copied()
            .find(|kind| kind.status == status);
        match kind {
            Some(kind) => Self::new(kind, message),
            None if status.is_client_error() => Self {
                status,
                ..Self::invalid_request(message)
            },
            None => Self::new(&GENERAL_EXCEPTION, message),
        }
    }

    /// Graph's error body, with the request's identifiers in `innerError`.
    pub fn body<'a>(
        &'a self,
        request_id: &'a str,
        client_request_id: Option<&'a str>,
    ) -> ErrorBody<'a> {
        ErrorBody {
            error: ErrorDetail {
                code: self.kind.code,
                message: &self.message,
                inner_error: InnerError {
                    date: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    request_id,
                    client_request_id,
                },
            },
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code, self.message)
    }
}

impl ResponseError for GraphError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// Status and headers only: the middleware writes the body.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        if self.kind.header == Some(BEARER_CHALLENGE) {
            response.insert_header((header::WWW_AUTHENTICATE, self.bearer_challenge()));
        }
        response.finish()
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = odataError)]
pub struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = mainError)]
struct ErrorDetail<'a> {
    /// Graph's error code, as `invalidRequest` or `itemNotFound`.
    code: &'static str,
    message: &'a str,
    #[serde(rename = "innerError")]
    inner_error: InnerError<'a>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = innerError)]
struct InnerError<'a> {
    /// When the error happened, in UTC and without an offset, as Graph writes it.
    #[schema(examples("2026-01-31T12:00:00"))]
    date: String,
    #[serde(rename = "request-id")]
    request_id: &'a str,
    #[serde(rename = "client-request-id", skip_serializing_if = "Option::is_none")]
    client_request_id: Option<&'a str>,
}
