//! Enumerations are stored as their Graph names in `text` columns, each guarded by
//! a CHECK constraint; these impls decode them into the domain enums.

use crate::domain::enums::{
    ProcessingStatus, TaskCategory, WorkflowCategory, WorkflowExecutionType,
};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::{Decode, Postgres, Type};

macro_rules! decode_from_text {
    ($($name:ty),+) => {$(
        impl Type<Postgres> for $name {
            fn type_info() -> PgTypeInfo {
                <String as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <String as Type<Postgres>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Postgres> for $name {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<&str as Decode<Postgres>>::decode(value)?.parse::<$name>()?)
            }
        }
    )+};
}

decode_from_text!(
    ProcessingStatus,
    WorkflowExecutionType,
    WorkflowCategory,
    TaskCategory
);
