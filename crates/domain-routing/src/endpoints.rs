//! Where a target sends: `parameters.host` and `parameters.port`.

use serde_json::Value;

use crate::field::{FieldError, leaf};

pub const HOST_MAX_CHARS: usize = 256;
/// Longest label of a host name (RFC 1123).
pub const HOST_LABEL_MAX_CHARS: usize = 63;
pub const PORT_MIN: u64 = 1;
pub const PORT_MAX: u64 = 65535;

/// `parameters.host`: 1 to 256 characters of a host name (dot-separated labels of 1 to 63 letters, digits and
/// '-', not starting or ending with '-'). An IPv4 literal is such a name too.
pub fn validate_host(field: &str, host: &str) -> Result<(), FieldError> {
    let name = leaf(field);
    if host.is_empty() || host.chars().count() > HOST_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("{name} must be 1 to {HOST_MAX_CHARS} characters"),
        ));
    }
    let label_ok = |l: &str| {
        (1..=HOST_LABEL_MAX_CHARS).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{name} must be a host name (dot-separated labels of letters, digits and '-', not starting or ending with '-') or an IPv4 address"
            ),
        ))
    }
}

/// `parameters.port`: a JSON integer from 1 to 65535. A string (`"80"`) or a float (`80.5`, `80.0`) is an error.
pub fn validate_port(field: &str, port: &Value) -> Result<u16, FieldError> {
    port.as_u64()
        .filter(|p| (PORT_MIN..=PORT_MAX).contains(p))
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "{} must be an integer from {PORT_MIN} to {PORT_MAX}",
                    leaf(field)
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use crate::testdata::*;
    use crate::*;
    use serde_json::json;
    // ---- hosts ----

    #[test]
    fn hosts() {
        for ok in [
            "www.example.com",
            "localhost",
            "a",
            "10.0.0.1",
            "192.168.255.255",
            "ingest.private.eu-de.logging.cloud.ibm.com",
            "xn--bcher-kva.example",
        ] {
            assert_eq!(validate_host("parameters.host", ok), Ok(()), "{ok}");
        }
        let bad_label = format!("{}.com", "a".repeat(64));
        for bad in [
            "my_host.example.com",
            "-host.example.com",
            "host-.example.com",
            "host..example.com",
            ".example.com",
            "example.com.",
            "host name",
            "https://example.com",
            "example.com:443",
            "::1",
            &bad_label,
        ] {
            assert_eq!(
                validate_host("parameters.host", bad),
                Err(fe("parameters.host", HOST_MSG)),
                "{bad}"
            );
        }
        assert_eq!(
            validate_host("parameters.host", &format!("{}.com", "a".repeat(63))),
            Ok(())
        );
    }

    #[test]
    fn host_length() {
        assert_eq!(
            validate_host("parameters.host", ""),
            Err(fe("parameters.host", HOST_LEN_MSG))
        );
        let label = "a".repeat(63);
        let at_limit = format!("{label}.{label}.{label}.{}.b", "a".repeat(62));
        assert_eq!(at_limit.len(), 256);
        assert_eq!(validate_host("parameters.host", &at_limit), Ok(()));
        let over = format!("{label}.{label}.{label}.{label}.b");
        assert_eq!(over.len(), 257);
        assert_eq!(
            validate_host("targets[0].parameters.host", &over),
            Err(fe("targets[0].parameters.host", HOST_LEN_MSG))
        );
    }

    // ---- ports ----

    #[test]
    fn ports() {
        assert_eq!(validate_port("parameters.port", &json!(1)), Ok(1));
        assert_eq!(validate_port("parameters.port", &json!(8080)), Ok(8080));
        assert_eq!(validate_port("parameters.port", &json!(65535)), Ok(65535));
        for bad in [
            json!(0),
            json!(65536),
            json!(-1),
            json!("80"),
            json!(80.5),
            json!(80.0),
            json!(null),
            json!(true),
            json!([80]),
            json!(u64::MAX),
        ] {
            assert_eq!(
                validate_port("parameters.port", &bad),
                Err(fe("parameters.port", PORT_MSG)),
                "{bad}"
            );
        }
    }
}
