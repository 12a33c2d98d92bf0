//! Graph's JSON on the way out: entity shapes, `@odata.context`, `Location`, and
//! the headers every entity response carries.

mod address;
mod custom_task_extension;
mod directory;
mod entities;
mod projection;

/// The CSDL of the types and entity sets the service implements, as Graph names
/// them, served at `{version}/$metadata`.
pub const METADATA: &str = include_str!("metadata.xml");

pub use address::{CollectionAddress, CONTAINER};
pub use custom_task_extension::CustomTaskExtensionJson;

use address::EntityAddress;
pub use directory::{GroupJson, UserJson};
pub use entities::{
    RunJson, RunSummaryJson, TaskJson, TaskProcessingResultJson, TaskReportJson,
    TaskReportSummaryJson, UserProcessingResultJson, UserSummaryJson, WorkflowJson,
    WorkflowVersionJson,
};
pub use projection::{Expansion, Projection, Resource};

use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::Address;
use crate::error::GraphError;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderName};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use std::future::{ready, Ready};
use url::form_urlencoded;

/// The content type of every JSON response, entities and errors alike.
pub const ODATA_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// `LCW_PUBLIC_BASE_URL`, registered as app data: the root of the URLs the
/// service writes, when it is not the one each request reached.
pub struct PublicBaseUrl(pub Option<url::Url>);

const PREFER: HeaderName = HeaderName::from_static("prefer");
const PREFERENCE_APPLIED: HeaderName = HeaderName::from_static("preference-applied");
const INCLUDE_UNKNOWN_ENUM_MEMBERS: &str = "include-unknown-enum-members";

/// The version prefix of the scope a route is served under: `/beta`, `/v1.0` or
/// empty. It is part of every URL the service writes.
#[derive(Debug, Clone, Copy)]
pub struct ApiVersion(pub &'static str);

/// How to write the response to this request: the service root its URLs start
/// with, and whether the client sees evolvable enum members.
#[derive(Debug, Clone)]
pub struct Wire {
    /// Scheme and host (and any path prefix of `LCW_PUBLIC_BASE_URL`).
    base: String,
    /// `base` with the version prefix of the request.
    root: String,
    pub evolvable: EvolvableMembers,
    /// The request's `$select` and `$expand`.
    projection: Projection,
    expansion: Expansion,
    /// A `$` option other than `$select` and `$expand`, which a single entity
    /// does not take (lists check their options themselves).
    entity_misfit: Option<String>,
}

impl FromRequest for Wire {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let version = request
            .app_data::<ApiVersion>()
            .map_or("", |version| version.0);
        let base = service_base(request);
        ready(
            Projection::from_query(request.query_string()).and_then(|projection| {
                Ok(Self {
                    root: format!("{base}{version}"),
                    base,
                    evolvable: evolvable_members(request),
                    projection,
                    expansion: Expansion::from_query(request.query_string())?,
                    entity_misfit: form_urlencoded::parse(request.query_string().as_bytes())
                        .map(|(name, _)| name.into_owned())
                        .find(|name| {
                            name.starts_with('$') && name != "$select" && name != "$expand"
                        }),
                })
            }),
        )
    }
}

/// The root of the URLs the service writes in answer to `request`:
/// `LCW_PUBLIC_BASE_URL` without its trailing slash, or the scheme and host the
/// request reached.
pub fn service_base(request: &HttpRequest) -> String {
    match request
        .app_data::<web::Data<PublicBaseUrl>>()
        .and_then(|url| url.0.as_ref())
    {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => {
            let connection = request.connection_info();
            format!("{}://{}", connection.scheme(), connection.host())
        }
    }
}

fn evolvable_members(request: &HttpRequest) -> EvolvableMembers {
    let opted_in = request
        .headers()
        .get_all(PREFER)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|preference| {
            preference
                .trim()
                .eq_ignore_ascii_case(INCLUDE_UNKNOWN_ENUM_MEMBERS)
        });
    if opted_in {
        EvolvableMembers::Shown
    } else {
        EvolvableMembers::Hidden
    }
}

/// A page of items ready to render, with the count and the link to the next page.
pub struct CollectionPage<T> {
    pub items: Vec<T>,
    pub count: Option<i64>,
    pub next_link: Option<String>,
}

#[derive(Serialize)]
struct Collection<'a, T> {
    #[serde(rename = "@odata.context")]
    context: &'a str,
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    count: Option<i64>,
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
}

#[derive(Serialize)]
struct Entity<'a, T> {
    #[serde(rename = "@odata.context")]
    context: &'a str,
    #[serde(flatten)]
    body: T,
}

impl Wire {
    /// 200 with the entity at `address`, holding the properties `$select` names.
    pub fn ok<R: Resource>(&self, address: &Address, body: R) -> Result<HttpResponse, GraphError> {
        let context = EntityAddress::from(address).entity_context(&self.root);
        self.ok_in(&context, body)
    }

    /// 200 with the singleton at `segment` beneath the container (`settings`).
    pub fn singleton<R: Resource>(
        &self,
        segment: &str,
        body: R,
    ) -> Result<HttpResponse, GraphError> {
        let context = format!("{}/$metadata#{CONTAINER}/{segment}/$entity", self.root);
        self.ok_in(&context, body)
    }

    /// 200 with one entity whose context URL, before any selection, is `context`.
    fn ok_in<R: Resource>(&self, context: &str, body: R) -> Result<HttpResponse, GraphError> {
        if let Some(option) = &self.entity_misfit {
            return Err(GraphError::invalid_request(format!(
                "The query option '{option}' does not apply to a single entity."
            )));
        }
        self.projection.check::<R>()?;
        self.expansion.check::<R>()?;
        let context = context.replace(
            "/$entity",
            &format!("{}/$entity", self.projection.context_suffix()),
        );
        let body = self.projection.apply(body, &self.expansion)?;
        self.json(
            StatusCode::OK,
            &Entity {
                context: &context,
                body,
            },
        )
    }

    /// 201 with the new entity and its canonical URL in `Location`.
    /// The answer to a create: 201 with the stored entity and its URL in
    /// `Location`; the row is counted in the metrics.
    pub fn created<R: Resource>(
        &self,
        address: &Address,
        body: R,
    ) -> Result<HttpResponse, GraphError> {
        crate::metrics::rows_created(R::TYPE, 1);
        let address = &EntityAddress::from(address);
        let mut response = self.entity(StatusCode::CREATED, address, body)?;
        let location = header::HeaderValue::from_str(&address.url(&self.root))
            .map_err(|error| GraphError::internal(&error))?;
        response.headers_mut().insert(header::LOCATION, location);
        Ok(response)
    }

    fn entity(
        &self,
        status: StatusCode,
        address: &EntityAddress,
        body: impl Serialize,
    ) -> Result<HttpResponse, GraphError> {
        let context = address.entity_context(&self.root);
        self.json(
            status,
            &Entity {
                context: &context,
                body,
            },
        )
    }

    /// 200 with a complex value, such as a summary, of the type `type_name`.
    pub fn value(&self, type_name: &str, body: impl Serialize) -> Result<HttpResponse, GraphError> {
        let context = format!("{}/$metadata#{type_name}", self.root);
        self.json(
            StatusCode::OK,
            &Entity {
                context: &context,
                body,
            },
        )
    }

    /// 200 with a page of a collection, its items holding the properties
    /// `$select` names.
    pub fn collection<R: Resource>(
        &self,
        collection: &CollectionAddress,
        page: CollectionPage<R>,
    ) -> Result<HttpResponse, GraphError> {
        self.projection.check::<R>()?;
        self.expansion.check::<R>()?;
        let context = format!(
            "{}{}",
            collection.context(&self.root),
            self.projection.context_suffix()
        );
        let items = page
            .items
            .into_iter()
            .map(|item| self.projection.apply(item, &self.expansion))
            .collect::<Result<Vec<_>, _>>()?;
        self.json(
            StatusCode::OK,
            &Collection {
                context: &context,
                count: page.count,
                value: items,
                next_link: page.next_link,
            },
        )
    }

    /// 200 with a bare count, as `{collection}/$count` answers.
    pub fn count(&self, count: i64) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/plain;charset=utf-8"))
            .body(count.to_string())
    }

    /// Whether the request asked for `navigation` inline.
    pub fn expands(&self, navigation: &str) -> bool {
        self.expansion.contains(navigation)
    }

    /// The absolute URL of `request` without its query, for `@odata.nextLink`.
    pub fn url_of(&self, request: &HttpRequest) -> String {
        format!("{}{}", self.base, request.path())
    }

    fn json(&self, status: StatusCode, body: &impl Serialize) -> Result<HttpResponse, GraphError> {
        let json = serde_json::to_vec(body).map_err(|error| GraphError::internal(&error))?;
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, ODATA_JSON));
        if self.evolvable == EvolvableMembers::Shown {
            response.insert_header((PREFERENCE_APPLIED, INCLUDE_UNKNOWN_ENUM_MEMBERS));
        }
        Ok(response.body(json))
    }
}
