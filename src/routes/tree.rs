//! A route tree that is registered with actix-web and can also be read as data:
//! every endpoint is registered together with the [`Operation`] that documents
//! it, so the OpenAPI document is built from the registrations the router serves.

use super::idempotency;
use crate::auth;
use crate::openapi::{Endpoint, Operation};
use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{web, FromRequest, Handler, Resource, Responder, Scope};

/// `Node::get`, `Node::post`, …: an endpoint of that method at the node.
macro_rules! methods {
    ($($name:ident $method:ident),*) => {$(
        pub fn $name<F, Args>(self, operation: Operation, handler: F) -> Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            self.on(Method::$method, operation, handler)
        }
    )*};
}

/// Registers a scope or a resource, behind authentication and the idempotency
/// guard when `authenticated` (their `wrap`s return different types).
macro_rules! register {
    ($service:expr, $authenticated:expr, $config:expr) => {
        if $authenticated {
            $service
                .wrap(from_fn(idempotency::guard))
                .wrap(from_fn(auth::authenticate))
                .register($config);
        } else {
            $service.register($config);
        }
    };
}

/// A path segment (or a few), the endpoints at it and the nodes beneath it.
pub struct Node {
    /// The actix-web pattern, relative to the parent node.
    pattern: String,
    /// The segment as the OpenAPI document writes it, where the pattern is a regex.
    documented: Option<String>,
    endpoints: Vec<(Method, actix_web::Route, Operation)>,
    children: Vec<Node>,
    authenticated: bool,
    data: Vec<Box<dyn AppData>>,
}

impl Node {
    pub fn at(pattern: impl Into<String>) -> Self {
        Self {
            pattern: pattern.into(),
            documented: None,
            endpoints: Vec::new(),
            children: Vec::new(),
            authenticated: false,
            data: Vec::new(),
        }
    }

    /// A segment whose pattern is a regex; `documented` is how OpenAPI writes it.
    pub fn matching(pattern: &str, documented: &str) -> Self {
        Self {
            documented: Some(documented.to_owned()),
            ..Self::at(pattern)
        }
    }

    methods!(get GET, post POST, put PUT, patch PATCH, delete DELETE);

    fn on<F, Args>(mut self, method: Method, operation: Operation, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let route = web::method(method.clone()).to(handler);
        self.endpoints.push((method, route, operation));
        self
    }

    /// Adds a node beneath this one; nodes are matched in the order added.
    pub fn child(mut self, child: Node) -> Self {
        self.children.push(child);
        self
    }

    /// Requests to this node and beneath it need a bearer token; a POST among
    /// them may carry an `Idempotency-Key` (the guard runs after authentication,
    /// as keys are per tenant).
    pub fn authenticated(mut self) -> Self {
        self.authenticated = true;
        self
    }

    /// Data the handlers at and beneath this node read from the request.
    pub fn data<T: 'static>(mut self, value: T) -> Self {
        self.data.push(Box::new(value));
        self
    }

    /// Every endpoint at and beneath the node, with `prefix` before its path.
    pub fn into_endpoints(self, prefix: &str, authenticated: bool, out: &mut Vec<Endpoint>) {
        let path = format!(
            "{prefix}{}",
            self.documented.as_deref().unwrap_or(&self.pattern)
        );
        let authenticated = authenticated || self.authenticated;
        for (method, _, operation) in self.endpoints {
            out.push(Endpoint {
                method,
                path: path.clone(),
                authenticated,
                operation,
            });
        }
        for child in self.children {
            child.into_endpoints(&path, authenticated, out);
        }
    }
}

/// A node with children is a scope holding its endpoints as one resource, then
/// its children in order; a leaf is a resource that matches its pattern exactly.
impl HttpServiceFactory for Node {
    fn register(self, config: &mut AppService) {
        let routes = self.endpoints.into_iter().map(|(_, route, _)| route);
        if self.children.is_empty() {
            let mut resource = routes.fold(web::resource(self.pattern), Resource::route);
            for data in self.data {
                resource = data.add_to_resource(resource);
            }
            register!(resource, self.authenticated, config);
            return;
        }
        let mut scope = web::scope(&self.pattern);
        for data in self.data {
            scope = data.add_to_scope(scope);
        }
        let routes: Vec<_> = routes.collect();
        if !routes.is_empty() {
            scope = scope.service(routes.into_iter().fold(web::resource(""), Resource::route));
        }
        for child in self.children {
            scope = scope.service(child);
        }
        register!(scope, self.authenticated, config);
    }
}

/// A value for the request data of a scope or a resource, whichever the node is.
trait AppData {
    fn add_to_scope(self: Box<Self>, scope: Scope) -> Scope;
    fn add_to_resource(self: Box<Self>, resource: Resource) -> Resource;
}

impl<T: 'static> AppData for T {
    fn add_to_scope(self: Box<Self>, scope: Scope) -> Scope {
        scope.app_data(*self)
    }

    fn add_to_resource(self: Box<Self>, resource: Resource) -> Resource {
        resource.app_data(*self)
    }
}

/// A bound action, by short and by namespace-qualified name.
pub fn action<F, Args>(name: &str, operation: Operation, handler: F) -> [Node; 2]
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    [
        Node::at(format!("/{name}")).post(operation, handler.clone()),
        Node::at(format!("/{}{name}", super::NAMESPACE)).post(operation, handler),
    ]
}
