//! Request bodies: `application/json` only, bounded in size, decoded so that every
//! error names the property at fault.

use crate::domain::json::decode;
use crate::domain::reference;
use crate::domain::validation::ValidationError;
use crate::error::GraphError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `{"id": …}`: a reference to an entity, as Graph writes navigation properties.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = idReference)]
pub struct IdRef {
    pub id: Uuid,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "@odata.type")]
    _odata_type: Option<IgnoredAny>,
}

/// `{"@odata.id": "…/directoryObjects/{id}"}`: the body of a `$ref` write,
/// naming a directory object by its URL.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = referenceUpdate)]
pub struct Reference {
    /// `…/directoryObjects/{id}` or `…/users/{id}`.
    #[serde(rename = "@odata.id")]
    #[schema(min_length = 1)]
    odata_id: String,
}

impl Reference {
    /// The id of the user it names.
    pub fn directory_object(&self) -> Result<Uuid, ValidationError> {
        reference::referenced(&self.odata_id, &["directoryObjects", "users"])
    }
}

/// A JSON request body decoded into `T`.
pub struct GraphJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for GraphJson<T> {
    type Error = GraphError;
    type Future = LocalBoxFuture<'static, Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = check_content_type(request);
        let limit = request
            .app_data::<web::Data<AppState>>()
            .map_or(0, |state| state.max_body_bytes);
        let bytes = web::Bytes::from_request(request, payload);
        Box::pin(async move {
            content_type?;
            let bytes = bytes.await.map_err(|error| read_error(&error, limit))?;
            decode(&bytes).map(GraphJson)
        })
    }
}

/// Why a body could not be read: too large for `limit`, or cut short.
pub fn read_error(error: &actix_web::Error, limit: usize) -> GraphError {
    if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        GraphError::too_large(limit)
    } else {
        GraphError::invalid_request(format!("The request body could not be read: {error}"))
    }
}

fn check_content_type(request: &HttpRequest) -> Result<(), GraphError> {
    match request.mime_type() {
        Ok(Some(mime)) if mime.essence_str() == mime::APPLICATION_JSON.essence_str() => Ok(()),
        Ok(Some(mime)) => Err(GraphError::unsupported_media_type(format!(
            "The Content-Type '{mime}' is not supported: send application/json."
        ))),
        Ok(None) => Err(GraphError::unsupported_media_type(
            "The request has no Content-Type: send application/json.",
        )),
        Err(_) => Err(GraphError::unsupported_media_type(
            "The Content-Type header is not a media type: send application/json.",
        )),
    }
}
