//! Names of tenants and targets.

use crate::field::{FieldError, leaf};

pub const NAME_MAX_CHARS: usize = 35;

/// Names of tenants and targets: 1 to 35 characters of `[a-zA-Z0-9-]`.
pub fn validate_name(field: &str, name: &str) -> Result<(), FieldError> {
    let ok = (1..=NAME_MAX_CHARS).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{} must be 1 to {NAME_MAX_CHARS} characters of letters, digits and '-'",
                leaf(field)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::testdata::*;
    use crate::*;

    // ---- names ----

    #[test]
    fn name_length_and_characters() {
        assert_eq!(validate_name("name", &"a".repeat(35)), Ok(()));
        assert_eq!(validate_name("name", "a"), Ok(()));
        assert_eq!(validate_name("name", "My-Tenant-01"), Ok(()));
        for bad in [
            "".to_owned(),
            "a".repeat(36),
            "my_tenant".to_owned(),
            "my tenant".to_owned(),
            "my.tenant".to_owned(),
            "tenänt".to_owned(),
        ] {
            assert_eq!(
                validate_name("name", &bad),
                Err(fe("name", NAME_MSG)),
                "{bad}"
            );
        }
    }

    #[test]
    fn name_message_uses_the_last_path_segment() {
        assert_eq!(
            validate_name("targets[1].name", "a b"),
            Err(fe("targets[1].name", NAME_MSG))
        );
    }
}
