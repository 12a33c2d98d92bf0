//! Navigation references in request bodies: `"subject": {"id": …}` or
//! `"subject@odata.bind": "https://graph.microsoft.com/v1.0/users/{id}"`, and
//! the `{"@odata.id": …}` of a `$ref` write.

use super::validation::ValidationError;
use uuid::Uuid;

/// Resolves a required reference to an entity of `collection` (e.g. `users`), given
/// inline, as an `@odata.bind` URL, or both if they agree.
pub fn resolve(
    property: &str,
    collection: &str,
    inline: Option<Uuid>,
    bind: Option<&str>,
) -> Result<Uuid, ValidationError> {
    let bound = bind
        .map(|url| {
            bound_id(url, collection).ok_or_else(|| {
                ValidationError::new(
                    format!("{property}@odata.bind"),
                    format!("'{url}' is not the URL of an entity in '{collection}'"),
                )
            })
        })
        .transpose()?;
    match (inline, bound) {
        (Some(inline), Some(bound)) if inline != bound => Err(ValidationError::new(
            property,
            format!("{property} and {property}@odata.bind name different entities"),
        )),
        (Some(id), _) | (None, Some(id)) => Ok(id),
        (None, None) => Err(ValidationError::new(
            property,
            format!("is required, as {{\"id\": …}} or as {property}@odata.bind"),
        )),
    }
}

/// The id a `$ref` body's `@odata.id` names: the URL of an entity in one of
/// `collections` (`…/directoryObjects/{id}` or `…/users/{id}`).
pub fn referenced(url: &str, collections: &[&str]) -> Result<Uuid, ValidationError> {
    collections
        .iter()
        .find_map(|collection| bound_id(url, collection))
        .ok_or_else(|| {
            ValidationError::new(
                "@odata.id",
                format!(
                    "'{url}' is not the URL of an entity in '{}'",
                    collections.join("' or '")
                ),
            )
        })
}

/// The id at the end of `…/{collection}/{id}` or `…/{collection}('{id}')`.
fn bound_id(url: &str, collection: &str) -> Option<Uuid> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let mut segments = path.trim_end_matches('/').rsplit('/');
    let last = segments.next()?;
    let id = match last
        .strip_prefix(collection)
        .and_then(|rest| rest.strip_prefix('('))
        .and_then(|rest| rest.strip_suffix(')'))
    {
        Some(key) => key.trim_matches('\''),
        None if segments.next() == Some(collection) => last,
        None => return None,
    };
    Uuid::parse_str(id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f";

    #[test]
    fn reads_every_bind_form() {
        let id = Uuid::parse_str(ID).unwrap();
        for url in [
            format!("https://graph.microsoft.com/v1.0/users/{ID}"),
            format!("https://graph.microsoft.com/v1.0/users('{ID}')"),
            format!("users/{ID}"),
            format!("/users({ID})/"),
        ] {
            assert_eq!(
                resolve("subject", "users", None, Some(&url)),
                Ok(id),
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_missing_conflicting_and_foreign_references() {
        let id = Uuid::parse_str(ID).unwrap();
        assert!(resolve("subject", "users", None, None).is_err());
        assert!(resolve("subject", "users", None, Some(&format!("/groups/{ID}"))).is_err());
        assert!(resolve("subject", "users", None, Some("/users/not-an-id")).is_err());
        let other = format!("/users/{}", Uuid::nil());
        assert_eq!(
            resolve("subject", "users", Some(id), Some(&other))
                .unwrap_err()
                .property,
            "subject"
        );
        assert_eq!(resolve("subject", "users", Some(id), None), Ok(id));
    }

    #[test]
    fn a_reference_names_an_entity_of_one_of_the_collections() {
        let id = Uuid::parse_str(ID).unwrap();
        let collections = ["directoryObjects", "users"];
        for url in [
            format!("https://graph.microsoft.com/v1.0/directoryObjects/{ID}"),
            format!("http://localhost:8081/beta/users/{ID}"),
            format!("users('{ID}')"),
        ] {
            assert_eq!(referenced(&url, &collections), Ok(id), "{url}");
        }
        let refused = referenced(&format!("/groups/{ID}"), &collections).unwrap_err();
        assert_eq!(refused.property, "@odata.id");
    }

    proptest::proptest! {
        #[test]
        fn any_bind_url_resolves_or_is_refused_naming_the_property(
            url in proptest::prop_oneof![
                "(https://[a-z.]{0,20})?/(v1\\.0|beta)?/?(users|tasks|groups)?(/|\\('?)?[0-9a-f-]{0,40}('?\\))?/?[?#]?\\PC{0,10}",
                "\\PC{0,80}",
            ],
            inline in proptest::option::of(proptest::prelude::any::<u128>()),
        ) {
            if let Err(error) = resolve("subject", "users", inline.map(Uuid::from_u128), Some(&url)) {
                proptest::prop_assert!(error.property.starts_with("subject"), "{}", url);
            }
        }
    }
}
