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

/// Graph's error codes. They are API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidAuthenticationToken,
    AccessDenied,
    ItemNotFound,
    NotAllowed,
    Conflict,
    FailedDependency,
    RequestTooLarge,
    UnsupportedMediaType,
    ActivityLimitReached,
    GeneralException,
    ServiceNotAvailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalidRequest",
            ErrorCode::InvalidAuthenticationToken => "InvalidAuthenticationToken",
            ErrorCode::AccessDenied => "accessDenied",
            ErrorCode::ItemNotFound => "itemNotFound",
            ErrorCode::NotAllowed => "notAllowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::FailedDependency => "failedDependency",
            ErrorCode::RequestTooLarge => "requestTooLarge",
            ErrorCode::UnsupportedMediaType => "unsupportedMediaType",
            ErrorCode::ActivityLimitReached => "activityLimitReached",
            ErrorCode::GeneralException => "generalException",
            ErrorCode::ServiceNotAvailable => "serviceNotAvailable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Seconds to wait before retrying, sent as `Retry-After` (429s and 503s).
    pub retry_after: Option<u32>,
}

impl GraphError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message)
    }

    /// 401: the bearer token is missing or not valid; `message` says which check
    /// failed and goes into `WWW-Authenticate` too.
    pub fn unauthenticated(message: &'static str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidAuthenticationToken,
            message,
        )
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::AccessDenied, message)
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
        Self::new(StatusCode::NOT_FOUND, ErrorCode::ItemNotFound, message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::NotAllowed,
            message,
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    /// 422: an `Idempotency-Key` reused for a different request.
    pub fn key_reused(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRequest,
            message,
        )
    }

    /// 424, inside a `$batch`: a request whose dependency did not succeed.
    pub fn failed_dependency(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FAILED_DEPENDENCY,
            ErrorCode::FailedDependency,
            message,
        )
    }

    pub fn too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RequestTooLarge,
            format!("The request body is larger than the limit of {limit_bytes} bytes."),
        )
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            message,
        )
    }

    /// 414: a URL longer than the service reads.
    pub fn url_too_long(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            ErrorCode::InvalidRequest,
            format!("The URL is longer than the limit of {limit_bytes} bytes."),
        )
    }

    /// 431: request headers larger than the service reads.
    pub fn headers_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::InvalidRequest,
            format!("The request's headers are larger than the limit of {limit_bytes} bytes."),
        )
    }

    /// 429: the tenant sent more requests than its rate allows.
    pub fn too_many_requests(retry_after_seconds: u32) -> Self {
        Self {
            retry_after: Some(retry_after_seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::ActivityLimitReached,
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
        Self {
            retry_after: Some(RETRY_AFTER_SECONDS),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceNotAvailable,
                message,
            )
        }
    }

    /// A failure that is the service's fault. The cause is logged (inside the
    /// request's span, so with its request id) and never shown to the client.
    pub fn internal(cause: &dyn fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::GeneralException,
            "An internal error occurred.",
        )
    }

    /// The Graph error for a response the framework produced without one of ours.
    pub fn from_status(status: StatusCode, method: &str) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found("The requested resource does not exist."),
            StatusCode::METHOD_NOT_ALLOWED => Self::method_not_allowed(format!(
                "The method {method} is not allowed on this resource."
            )),
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                ErrorCode::RequestTooLarge,
                "The request is larger than the service accepts.",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Self::unsupported_media_type("The request's Content-Type is not supported.")
            }
            StatusCode::SERVICE_UNAVAILABLE => Self::unavailable(),
            status if status.is_client_error() => Self::new(
                status,
                ErrorCode::InvalidRequest,
                "The request is not valid.",
            ),
            _ => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::GeneralException,
                "An internal error occurred.",
            ),
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
                code: self.code.as_str(),
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
        write!(f, "{}: {}", self.code.as_str(), self.message)
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
        if self.code == ErrorCode::InvalidAuthenticationToken {
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
