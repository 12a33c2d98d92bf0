//! What each route does, said once where the route is registered: enough to write
//! its OpenAPI operation (parameters, body, responses) without a second list.

use crate::db::page::Collection;
use crate::odata::Field;
use crate::wire::Resource;
use std::borrow::Cow;
use utoipa::openapi::{schema, RefOr};
use utoipa::ToSchema;

/// A component schema and those it refers to, named as the document names it.
#[derive(Clone, Copy)]
pub struct SchemaDoc {
    pub name: fn() -> Cow<'static, str>,
    pub collect: fn(&mut Vec<(String, RefOr<schema::Schema>)>),
}

impl SchemaDoc {
    pub fn of<T: ToSchema>() -> Self {
        Self {
            name: T::name,
            collect: collect::<T>,
        }
    }
}

fn collect<T: ToSchema>(schemas: &mut Vec<(String, RefOr<schema::Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// An entity as a response shows it, with what `$select` and `$expand` may name.
#[derive(Clone, Copy)]
pub struct EntityDoc {
    pub schema: SchemaDoc,
    pub properties: &'static [&'static str],
    pub expandable: &'static [&'static str],
}

impl EntityDoc {
    fn of<J: Resource + ToSchema>() -> Self {
        Self {
            schema: SchemaDoc::of::<J>(),
            properties: J::PROPERTIES,
            expandable: J::EXPANDABLE,
        }
    }
}

/// What `$filter`, `$orderby` and `$search` may name on a collection.
#[derive(Clone, Copy)]
pub struct CriteriaDoc {
    pub filterable: &'static [Field],
    /// The column `$search` matches, where the collection is searchable.
    pub searchable: Option<&'static str>,
}

impl CriteriaDoc {
    fn of<C: Collection>() -> Self {
        Self {
            filterable: C::FILTERABLE,
            searchable: C::SEARCHABLE,
        }
    }
}

#[derive(Clone, Copy)]
pub enum Kind {
    List {
        entity: EntityDoc,
        criteria: CriteriaDoc,
    },
    Count {
        criteria: CriteriaDoc,
    },
    Get {
        entity: EntityDoc,
    },
    Create {
        entity: EntityDoc,
        body: SchemaDoc,
    },
    Update {
        body: SchemaDoc,
    },
    Delete,
    /// A bound action: a body in, nothing (204) or an entity out.
    Action {
        body: Option<SchemaDoc>,
        returns: Option<EntityDoc>,
    },
    /// A bound function with its parameters in the path.
    Function {
        returns: SchemaDoc,
    },
    Batch {
        body: SchemaDoc,
        returns: SchemaDoc,
    },
    /// A document that is not JSON data: metadata, metrics, this description, a page.
    Document {
        media_type: &'static str,
    },
    /// A permanent redirect to the same path with a trailing slash.
    Redirect,
    /// A health probe answering `{"status": …}`; `readiness` probes can be 503.
    Probe {
        readiness: bool,
    },
}

/// One operation of the API: a summary for people and what it exchanges.
#[derive(Clone, Copy)]
pub struct Operation {
    pub summary: &'static str,
    pub kind: Kind,
}

impl Operation {
    /// A page of a collection of `J`, read through `C`.
    pub fn list<J: Resource + ToSchema, C: Collection>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::List {
                entity: EntityDoc::of::<J>(),
                criteria: CriteriaDoc::of::<C>(),
            },
        )
    }

    /// `$count` of a collection read through `C`.
    pub fn count<C: Collection>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Count {
                criteria: CriteriaDoc::of::<C>(),
            },
        )
    }

    pub fn get<J: Resource + ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Get {
                entity: EntityDoc::of::<J>(),
            },
        )
    }

    /// A create that takes a `B` and answers 201 with the stored `J`.
    pub fn create<J: Resource + ToSchema, B: ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Create {
                entity: EntityDoc::of::<J>(),
                body: SchemaDoc::of::<B>(),
            },
        )
    }

    /// A PATCH that takes a `B` and answers 204.
    pub fn update<B: ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Update {
                body: SchemaDoc::of::<B>(),
            },
        )
    }

    pub fn delete(summary: &'static str) -> Self {
        Self::new(summary, Kind::Delete)
    }

    /// An action that takes a `B` and answers 204.
    pub fn action<B: ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Action {
                body: Some(SchemaDoc::of::<B>()),
                returns: None,
            },
        )
    }

    /// An action without a body that answers with the `J` it acted on.
    pub fn action_returning<J: Resource + ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Action {
                body: None,
                returns: Some(EntityDoc::of::<J>()),
            },
        )
    }

    /// An action that takes a `B` and answers with the `J` it acted on.
    pub fn action_answering<B: ToSchema, J: Resource + ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Action {
                body: Some(SchemaDoc::of::<B>()),
                returns: Some(EntityDoc::of::<J>()),
            },
        )
    }

    pub fn function<R: ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Function {
                returns: SchemaDoc::of::<R>(),
            },
        )
    }

    pub fn batch<B: ToSchema, R: ToSchema>(summary: &'static str) -> Self {
        Self::new(
            summary,
            Kind::Batch {
                body: SchemaDoc::of::<B>(),
                returns: SchemaDoc::of::<R>(),
            },
        )
    }

    pub fn document(summary: &'static str, media_type: &'static str) -> Self {
        Self::new(summary, Kind::Document { media_type })
    }

    pub fn redirect(summary: &'static str) -> Self {
        Self::new(summary, Kind::Redirect)
    }

    pub fn probe(summary: &'static str, readiness: bool) -> Self {
        Self::new(summary, Kind::Probe { readiness })
    }

    fn new(summary: &'static str, kind: Kind) -> Self {
        Self { summary, kind }
    }

    /// Whether the operation writes: it can then meet conflicts and body limits.
    pub fn writes(&self) -> bool {
        matches!(
            self.kind,
            Kind::Create { .. } | Kind::Update { .. } | Kind::Delete | Kind::Action { .. }
        )
    }
}
