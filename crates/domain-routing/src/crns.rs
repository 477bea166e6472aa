//! The CRNs and ids this API writes.

use uuid::Uuid;

/// A tenant's CRN: `crn:v1:bluemix:public:logs-router:<region>:a/<account>:<tenant id lower case>::`.
pub fn tenant_crn(region: &str, account: &str, tenant_id: Uuid) -> String {
    format!(
        "crn:v1:bluemix:public:logs-router:{region}:a/{account}:{}::",
        tenant_id.hyphenated()
    )
}

/// The account-scoped CRN (for calls that concern no single tenant):
/// `crn:v1:bluemix:public:logs-router:<region>:a/<account>::`.
pub fn account_crn(region: &str, account: &str) -> String {
    format!("crn:v1:bluemix:public:logs-router:{region}:a/{account}::")
}

/// An id as the API writes it: upper-case hyphenated (`8717DB99-2CFB-4BA6-A033-89C994C2E9F0`).
pub fn format_id(id: Uuid) -> String {
    id.hyphenated()
        .encode_upper(&mut Uuid::encode_buffer())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use crate::*;
    use uuid::Uuid;
    // ---- CRNs and ids we write ----

    #[test]
    fn crns_and_ids() {
        let id = Uuid::parse_str("8717db99-2cfb-4ba6-a033-89c994c2e9f0").unwrap();
        assert_eq!(
            tenant_crn("eu-de", "6516b8fa0a174a71899f5affa4f18d78", id),
            "crn:v1:bluemix:public:logs-router:eu-de:a/6516b8fa0a174a71899f5affa4f18d78:8717db99-2cfb-4ba6-a033-89c994c2e9f0::"
        );
        assert_eq!(
            account_crn("eu-de", "6516b8fa0a174a71899f5affa4f18d78"),
            "crn:v1:bluemix:public:logs-router:eu-de:a/6516b8fa0a174a71899f5affa4f18d78::"
        );
        assert_eq!(format_id(id), "8717DB99-2CFB-4BA6-A033-89C994C2E9F0");
        // the tenant CRN has the 10 segments of any CRN
        assert_eq!(tenant_crn("eu-de", "acc", id).split(':').count(), 10);
    }
}
