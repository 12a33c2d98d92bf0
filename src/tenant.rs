//! The tenant a request acts in. Every statement is scoped by it.

use crate::app::AppState;
use crate::error::GraphError;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use std::future::{ready, Ready};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant(Uuid);

impl Tenant {
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    pub fn id(self) -> Uuid {
        self.0
    }
}

/// Until requests carry tokens, every request acts in the configured tenant
/// (`LCW_DEFAULT_TENANT_ID`); authentication replaces only this extractor.
impl FromRequest for Tenant {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request
                .app_data::<web::Data<AppState>>()
                .map(|state| state.default_tenant)
                .ok_or_else(|| GraphError::internal(&"the application state is not registered")),
        )
    }
}
