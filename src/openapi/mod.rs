//! The OpenAPI 3.1 document, served at `/openapi.json`. It is built from the
//! endpoints the route tree registers (`routes::endpoints`): each brings the
//! [`Operation`] it was registered with, and the schemas come from the types the
//! handlers decode and render (`utoipa::ToSchema`).

mod operation;

pub use operation::{CriteriaDoc, Kind, Operation};

use crate::error::{self, ErrorBody, ErrorKind};
use crate::odata::{DEFAULT_TOP, MAX_TOP};
use actix_web::http::Method;
use operation::{EntityDoc, SchemaDoc};
use std::collections::BTreeSet;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation as OpenApiOperation, OperationBuilder, Parameter, ParameterBuilder,
    ParameterIn, ParameterStyle,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOf, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, Content, Header, InfoBuilder, KnownFormat, OpenApi, OpenApiBuilder, Paths,
    Ref, RefOr, Required, Response, ResponseBuilder,
};
use utoipa::ToSchema;

const JSON: &str = "application/json";
const BEARER: &str = "bearer";

const DESCRIPTION: &str = "Microsoft Graph's Lifecycle Workflows API \
(`microsoft.graph.identityGovernance`), reads and writes, on PostgreSQL.\n\n\
Every path under `/beta` is also served under `/v1.0` and without a version prefix. \
Requests need a bearer token (JWT) whose `tid` names the tenant and whose `roles` or \
`scp` grant the LifecycleWorkflows permissions; errors are Graph error bodies. \
Every request may send `client-request-id`, which is echoed, and every response \
carries `request-id`.";

/// The version prefix the document describes; the others serve the same paths.
pub const DOCUMENTED_VERSION: &str = "/beta";

/// A documented endpoint: its method, its path in OpenAPI's form, and whether a
/// bearer token is needed.
pub struct Endpoint {
    pub method: Method,
    pub path: String,
    pub authenticated: bool,
    pub operation: Operation,
}

/// The document of `endpoints`, serialized.
pub fn json(endpoints: Vec<Endpoint>) -> String {
    document(endpoints)
        .to_json()
        .expect("an OpenAPI document is plain data and always serializes")
}

pub fn document(endpoints: Vec<Endpoint>) -> OpenApi {
    let mut schemas = Vec::new();
    let mut entities = BTreeSet::new();
    let mut paths = Paths::new();
    let mut referred = BTreeSet::new();
    let collections = collections(&endpoints);
    for endpoint in &endpoints {
        referred.extend(errors(endpoint).iter().map(|kind| kind.name));
        let tag = tag(&endpoint.path, &collections);
        let operation = describe(endpoint, tag, &mut schemas, &mut entities);
        paths.add_path_operation(
            &endpoint.path,
            vec![http_method(&endpoint.method)],
            operation,
        );
    }
    (SchemaDoc::of::<ErrorBody>().collect)(&mut schemas);

    let mut components = ComponentsBuilder::new().security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for (name, mut schema) in schemas {
        if let RefOr::T(Schema::OneOf(one_of)) = &mut schema {
            closed_variants(one_of);
        }
        // Any property of an entity can be left out by `$select`: none is required
        // in a response, as in Graph's own description.
        if entities.contains(&name) {
            if let RefOr::T(Schema::Object(object)) = &mut schema {
                object.required.clear();
            }
        }
        components = components.schema(name, schema);
    }
    for kind in error::ERROR_KINDS
        .iter()
        .filter(|kind| referred.contains(kind.name))
    {
        components = components.response(kind.name, error_response(kind));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Lifecycle Workflows")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION)),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// The variants of a type told apart by `@odata.type` (execution conditions,
/// triggers, subject sets), as serde reads them: the type name with or without
/// its `#`, and no property a variant does not have.
fn closed_variants(one_of: &mut OneOf) {
    for variant in &mut one_of.items {
        let RefOr::T(Schema::Object(object)) = variant else {
            continue;
        };
        let Some(RefOr::T(Schema::Object(tag))) = object.properties.get_mut("@odata.type") else {
            continue;
        };
        if let Some(names) = &mut tag.enum_values {
            let bare: Vec<serde_json::Value> = names
                .iter()
                .filter_map(|name| name.as_str()?.strip_prefix('#'))
                .map(serde_json::Value::from)
                .collect();
            names.extend(bare);
        }
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    }
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        Method::PUT => HttpMethod::Put,
        _ => HttpMethod::Get,
    }
}

/// The OpenAPI operation of one endpoint, listed under `tag`; the schemas it names are added to
/// `schemas`, and the names of entity schemas to `entities`.
fn describe(
    endpoint: &Endpoint,
    tag: String,
    schemas: &mut Vec<(String, RefOr<Schema>)>,
    entities: &mut BTreeSet<String>,
) -> OpenApiOperation {
    let Operation { summary, kind } = endpoint.operation;
    let mut refer = |schema: SchemaDoc| -> Ref {
        (schema.collect)(schemas);
        Ref::from_schema_name((schema.name)())
    };
    let mut entity = |entity: EntityDoc, refer: &mut dyn FnMut(SchemaDoc) -> Ref| {
        entities.insert((entity.schema.name)().into_owned());
        refer(entity.schema)
    };

    let mut builder = OperationBuilder::new()
        .summary(Some(summary))
        .description(Some(description(endpoint)))
        .operation_id(Some(operation_id(&endpoint.path, kind)))
        .tag(tag);
    for parameter in path_parameters(&endpoint.path) {
        builder = builder.parameter(parameter);
    }
    if takes_idempotency_key(endpoint) {
        builder = builder.parameter(idempotency_key());
    }
    builder = match kind {
        Kind::List {
            entity: listed,
            criteria,
        } => {
            let item = entity(listed, &mut refer);
            with_parameters(builder, list_parameters(listed, criteria)).response(
                "200",
                json_response("A page of the collection", page_schema(item)),
            )
        }
        Kind::Count { criteria } => with_parameters(builder, criteria_parameters(criteria))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("How many items the collection (as filtered) holds")
                    .content(
                        "text/plain",
                        Content::new(Some(ObjectBuilder::new().schema_type(Type::Integer))),
                    ),
            ),
        Kind::Get { entity: read } => {
            let schema = entity(read, &mut refer);
            with_parameters(builder, selection_parameters(read))
                .response("200", json_response("The entity", schema))
        }
        Kind::Create {
            entity: created,
            body,
        } => {
            let body = refer(body);
            let schema = entity(created, &mut refer);
            builder.request_body(Some(json_body(body))).response(
                "201",
                ResponseBuilder::from(json_response("The stored entity", schema))
                    .header("Location", header("The URL of the new entity")),
            )
        }
        Kind::Update { body } => builder
            .request_body(Some(json_body(refer(body))))
            .response("204", Response::new("Updated")),
        Kind::Delete => builder.response("204", Response::new("Deleted")),
        Kind::Action { body, returns } => {
            if let Some(body) = body {
                builder = builder.request_body(Some(json_body(refer(body))));
            }
            match returns {
                Some(returned) => {
                    let schema = entity(returned, &mut refer);
                    builder.response("200", json_response("The entity acted on", schema))
                }
                None => builder.response("204", Response::new("Done")),
            }
        }
        Kind::Function { returns } => builder.response(
            "200",
            json_response("The function's result", refer(returns)),
        ),
        Kind::Batch { body, returns } => {
            builder.request_body(Some(json_body(refer(body)))).response(
                "200",
                json_response(
                    "Each inner request's status, headers and body",
                    refer(returns),
                ),
            )
        }
        Kind::Document { media_type } => {
            // A JSON document is an object; the others are text.
            let schema = if media_type == JSON {
                ObjectBuilder::new().schema_type(Type::Object)
            } else {
                string()
            };
            builder.response(
                "200",
                ResponseBuilder::new()
                    .description("The document")
                    .content(media_type, Content::new(Some(schema))),
            )
        }
        Kind::Redirect => builder.response(
            "308",
            ResponseBuilder::new()
                .description("Permanent redirect to the path with a trailing slash")
                .header("Location", header("The same path with a trailing slash")),
        ),
        Kind::Probe { .. } => builder.response(
            "200",
            json_response(
                "Up (`ok`) or ready (`ready`)",
                ObjectBuilder::new()
                    .property("status", string())
                    .required("status"),
            ),
        ),
    };
    for error in errors(endpoint) {
        builder = builder.response(error.status.as_str(), Ref::from_response_name(error.name));
    }
    if endpoint.authenticated {
        builder = builder.security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
    }
    builder.build()
}

fn description(endpoint: &Endpoint) -> String {
    let tree = if endpoint.path.contains("/deletedItems/") {
        " Addressed in the deleted tree: the workflow was deleted and can be restored \
         until it is purged."
    } else {
        ""
    };
    let access = if endpoint.authenticated {
        " Needs a bearer token."
    } else {
        " Open: no token needed."
    };
    format!("{}.{tree}{access}", endpoint.operation.summary)
}

/// A unique, readable id: the path's literal segments below the API's root,
/// then what the operation does.
fn operation_id(path: &str, kind: Kind) -> String {
    let verb = match kind {
        Kind::List { .. } => Some("list"),
        Kind::Count { .. } => Some("count"),
        Kind::Get { .. } | Kind::Document { .. } | Kind::Probe { .. } => Some("get"),
        Kind::Create { .. } => Some("create"),
        Kind::Update { .. } => Some("update"),
        Kind::Delete => Some("delete"),
        Kind::Redirect => Some("redirect"),
        Kind::Action { .. } | Kind::Function { .. } | Kind::Batch { .. } => None,
    };
    let relative = path.strip_prefix(DOCUMENTED_VERSION).unwrap_or(path);
    let relative = relative
        .strip_prefix(&format!("/{}", crate::wire::CONTAINER))
        .unwrap_or(relative);
    relative
        .split('/')
        .filter(|segment| !segment.is_empty() && !segment.starts_with('{'))
        .filter(|segment| *segment != "$count")
        .map(|segment| match segment.split_once('(') {
            Some((function, _)) => function.rsplit('.').next().unwrap_or(function),
            None => segment.trim_start_matches('$'),
        })
        .chain(verb)
        .collect::<Vec<_>>()
        .join(".")
}

/// The collections the API lists: the last segment of each list's path.
fn collections(endpoints: &[Endpoint]) -> BTreeSet<&str> {
    endpoints
        .iter()
        .filter(|endpoint| matches!(endpoint.operation.kind, Kind::List { .. }))
        .filter_map(|endpoint| endpoint.path.rsplit('/').next())
        .collect()
}

/// The group an operation is listed under: the innermost collection it is in.
fn tag(path: &str, collections: &BTreeSet<&str>) -> String {
    let tag = path
        .rsplit('/')
        .find(|segment| collections.contains(segment))
        .unwrap_or(if path.ends_with("$batch") {
            "batch"
        } else {
            "service"
        });
    tag.to_owned()
}

fn header(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(string())
        .description(Some(description))
        .build()
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// The text of a query option: an empty one is refused, as it says nothing.
fn option_text() -> ObjectBuilder {
    string().min_length(Some(1))
}

/// The `{name}` parameters of a path: ids are UUIDs, `…Number`s integers,
/// `…DateTime` timestamps.
fn path_parameters(path: &str) -> Vec<Parameter> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .map(|name| {
            let schema = if name.ends_with("Id") {
                string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            } else if name.ends_with("Number") {
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            } else if name.ends_with("DateTime") {
                string().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            } else {
                string()
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema))
                .build()
        })
        .collect()
}

/// An optional parameter of the query or a header.
fn optional(
    place: ParameterIn,
    name: &str,
    description: impl Into<String>,
    schema: impl Into<RefOr<Schema>>,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn query(name: &str, description: String, schema: impl Into<RefOr<Schema>>) -> Parameter {
    optional(ParameterIn::Query, name, description, schema)
}

/// A comma-separated list of `names`, as `$select` and `$expand` take.
fn names_query(name: &str, description: &str, names: &[&str]) -> Parameter {
    let mut parameter = query(
        name,
        description.to_owned(),
        ArrayBuilder::new()
            .items(string().enum_values(Some(names.iter().copied())))
            .min_items(Some(1)),
    );
    parameter.style = Some(ParameterStyle::Form);
    parameter.explode = Some(false);
    parameter
}

fn selection_parameters(entity: EntityDoc) -> Vec<Parameter> {
    let mut parameters = vec![names_query(
        "$select",
        "The properties to return (the key is always returned).",
        entity.properties,
    )];
    if !entity.expandable.is_empty() {
        parameters.push(names_query(
            "$expand",
            "The navigation properties to render inline.",
            entity.expandable,
        ));
    }
    parameters.push(prefer());
    parameters
}

fn criteria_parameters(criteria: CriteriaDoc) -> Vec<Parameter> {
    let names: Vec<&str> = criteria.filterable.iter().map(|field| field.name).collect();
    let mut parameters = vec![query(
        "$filter",
        format!(
            "An OData filter (eq ne gt ge lt le in, and or not, parentheses) over: {}.",
            names.join(", ")
        ),
        option_text(),
    )];
    if criteria.searchable.is_some() {
        parameters.push(query(
            "$search",
            "A quoted text the displayName contains: \"text\".".to_owned(),
            option_text(),
        ));
    }
    parameters
}

fn list_parameters(entity: EntityDoc, criteria: CriteriaDoc) -> Vec<Parameter> {
    let names: Vec<&str> = criteria.filterable.iter().map(|field| field.name).collect();
    let mut parameters = criteria_parameters(criteria);
    parameters.extend([
        query(
            "$orderby",
            format!(
                "Up to 4 properties, each asc or desc, over: {}.",
                names.join(", ")
            ),
            option_text(),
        ),
        query(
            "$top",
            format!("Items per page, 1 to {MAX_TOP}; {DEFAULT_TOP} when left out."),
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(MAX_TOP)),
        ),
        query(
            "$skiptoken",
            "The continuation token of @odata.nextLink.".to_owned(),
            option_text(),
        ),
        query(
            "$count",
            "Include @odata.count, the number of items matching the filter.".to_owned(),
            ObjectBuilder::new().schema_type(Type::Boolean),
        ),
    ]);
    parameters.extend(selection_parameters(entity));
    parameters
}

/// Every authenticated POST but `$batch`, whose inner requests carry their own.
fn takes_idempotency_key(endpoint: &Endpoint) -> bool {
    endpoint.authenticated
        && endpoint.method == Method::POST
        && !matches!(endpoint.operation.kind, Kind::Batch { .. })
}

fn idempotency_key() -> Parameter {
    optional(
        ParameterIn::Header,
        "Idempotency-Key",
        "Makes retries safe: the same key with the same request within 24 hours \
         answers the first response again (with Idempotent-Replayed: true) without \
         writing again; with a different request it is a 422. 1 to 255 visible \
         ASCII characters, per tenant.",
        string().min_length(Some(1)).max_length(Some(255)),
    )
}

fn prefer() -> Parameter {
    optional(
        ParameterIn::Header,
        "Prefer",
        "odata.maxpagesize=N (a page size); include-unknown-enum-members (show \
         evolvable enum members rather than unknownFutureValue).",
        string(),
    )
}

fn with_parameters(builder: OperationBuilder, parameters: Vec<Parameter>) -> OperationBuilder {
    parameters
        .into_iter()
        .fold(builder, |builder, parameter| builder.parameter(parameter))
}

fn json_body(schema: Ref) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(JSON, Content::new(Some(schema)))
        .build()
}

fn json_response(description: &str, schema: impl Into<RefOr<Schema>>) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(JSON, Content::new(Some(schema)))
        .build()
}

/// A page of a collection, as Graph answers a list.
fn page_schema(item: Ref) -> ObjectBuilder {
    ObjectBuilder::new()
        .property("@odata.context", string())
        .property(
            "@odata.count",
            ObjectBuilder::new().schema_type(Type::Integer),
        )
        .property(
            "@odata.nextLink",
            string().description(Some("The next page; absent on the last")),
        )
        .property("value", ArrayBuilder::new().items(item))
        .required("value")
}

fn error_response(kind: &ErrorKind) -> Response {
    let mut response = ResponseBuilder::new()
        .description(kind.description)
        .content(
            JSON,
            Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
        );
    if let Some(extra) = kind.header {
        response = response.header(extra.name, header(extra.description));
    }
    response.build()
}

/// The errors an endpoint can answer with. Every request passes the size limits
/// of the URL and the headers.
fn errors(endpoint: &Endpoint) -> Vec<&'static ErrorKind> {
    let operation = endpoint.operation;
    let mut errors = vec![&error::URL_TOO_LONG, &error::HEADERS_TOO_LARGE];
    if endpoint.authenticated {
        errors.extend([
            &error::INVALID_REQUEST,
            &error::UNAUTHENTICATED,
            &error::ACCESS_DENIED,
        ]);
        if !matches!(operation.kind, Kind::Batch { .. }) {
            errors.push(&error::ITEM_NOT_FOUND);
        }
        if operation.writes() && endpoint.path.contains("/deletedItems/") {
            errors.push(&error::NOT_ALLOWED);
        }
        if operation.writes() {
            errors.push(&error::CONFLICT);
        }
        if operation.writes() || matches!(operation.kind, Kind::Batch { .. }) {
            errors.extend([&error::REQUEST_TOO_LARGE, &error::UNSUPPORTED_MEDIA_TYPE]);
        }
        if takes_idempotency_key(endpoint) {
            errors.push(&error::KEY_REUSED);
        }
        errors.extend([
            &error::ACTIVITY_LIMIT_REACHED,
            &error::SERVICE_NOT_AVAILABLE,
        ]);
    } else if matches!(operation.kind, Kind::Document { .. }) && endpoint.path.contains('{') {
        errors.push(&error::ITEM_NOT_FOUND);
    } else if matches!(operation.kind, Kind::Probe { readiness: true }) {
        errors.push(&error::SERVICE_NOT_AVAILABLE);
    }
    errors
}
