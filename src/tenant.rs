//! The tenant a request acts in: the `tid` of its token. Every statement is
//! scoped by it; handlers get it only through `auth::Authorized`.

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tenant(Uuid);

impl Tenant {
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    pub fn id(self) -> Uuid {
        self.0
    }
}
