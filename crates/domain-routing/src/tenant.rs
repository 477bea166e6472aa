//! The rules a tenant's targets obey together, in one place: at most two targets, one of each type, never without
//! a target, a type change only while alone, the tenant limit of an account, and when a stored credential is
//! sealed again. "May this tenant, with these targets, take this change?" is [`check`].
//!
//! The store calls these with what it read under its lock; the database still enforces what can race (unique
//! names and types, the etag compare).

use crate::merge_patch::PatchedTarget;
use crate::sinks::TargetType;

/// Most targets a tenant has.
pub const MAX_TARGETS: usize = 2;

/// A change to a tenant's set of targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new target of this type.
    AddTarget(TargetType),
    /// One of its targets changes from one type to another (or keeps it).
    ChangeTarget { from: TargetType, to: TargetType },
    /// One of its targets goes.
    DeleteTarget,
}

/// A rule of the tenant as a whole refused a change. The text is the reason a client reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantRuleError {
    #[error("The account already has the maximum number of tenants in this region ({limit}).")]
    TenantLimit { limit: u32 },
    #[error(
        "The tenant already has a target of type '{0}'. Only one target of each type is allowed."
    )]
    TypeTaken(TargetType),
    #[error("A tenant can have at most {MAX_TARGETS} targets.")]
    TooManyTargets,
    #[error("The last target of a tenant cannot be deleted; delete the tenant instead.")]
    LastTarget,
    #[error("Target type cannot be changed. Only one target of each type is allowed")]
    TypeChange,
}

/// May a tenant whose targets have the types `targets` take `change`?
pub fn check(targets: &[TargetType], change: Change) -> Result<(), TenantRuleError> {
    match change {
        Change::AddTarget(t) if targets.contains(&t) => Err(TenantRuleError::TypeTaken(t)),
        Change::AddTarget(_) if targets.len() >= MAX_TARGETS => {
            Err(TenantRuleError::TooManyTargets)
        }
        Change::ChangeTarget { from, to } if from != to && targets.len() > 1 => {
            Err(TenantRuleError::TypeChange)
        }
        Change::DeleteTarget if targets.len() <= 1 => Err(TenantRuleError::LastTarget),
        _ => Ok(()),
    }
}

/// May an account with `existing` tenants create one more, under a limit of `limit`?
pub fn check_new_tenant(existing: i64, limit: u32) -> Result<(), TenantRuleError> {
    if existing >= i64::from(limit) {
        Err(TenantRuleError::TenantLimit { limit })
    } else {
        Ok(())
    }
}

/// The key a stored credential is sealed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedUnder {
    /// `CREDENTIALS_KEY`.
    Current,
    /// An older key (`CREDENTIALS_KEY_PREVIOUS`).
    Previous,
}

/// What a target write does with the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialPlan<'a> {
    /// Seal this new value.
    Seal(&'a str),
    /// Delete the stored one (the target is, or became, a `logs` target).
    Drop,
    /// Open the stored one and seal it again under the current key, so the key rotates as targets change.
    Reseal,
    /// Keep the stored one (or none) as it is.
    Keep,
}

/// The credential decision of a target PATCH, given the patched target and what is stored.
pub fn credential_plan(patched: &PatchedTarget, stored: Option<SealedUnder>) -> CredentialPlan<'_> {
    match (
        &patched.spec.access_credential,
        patched.drop_credential,
        stored,
    ) {
        (Some(new), _, _) => CredentialPlan::Seal(new),
        (None, true, _) => CredentialPlan::Drop,
        (None, false, Some(SealedUnder::Previous)) => CredentialPlan::Reseal,
        (None, false, _) => CredentialPlan::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TargetSpec;
    use crate::testdata::*;
    use TargetType::{Logdna, Logs};

    #[test]
    fn adding_a_target() {
        assert_eq!(check(&[Logdna], Change::AddTarget(Logs)), Ok(()));
        assert_eq!(
            check(&[Logdna], Change::AddTarget(Logdna)),
            Err(TenantRuleError::TypeTaken(Logdna))
        );
        // one of each type is checked before the count, so its message wins
        assert_eq!(
            check(&[Logdna, Logs], Change::AddTarget(Logs)),
            Err(TenantRuleError::TypeTaken(Logs))
        );
        assert_eq!(
            TenantRuleError::TypeTaken(Logs).to_string(),
            "The tenant already has a target of type 'logs'. Only one target of each type is allowed."
        );
        assert_eq!(
            TenantRuleError::TooManyTargets.to_string(),
            "A tenant can have at most 2 targets."
        );
    }

    #[test]
    fn changing_a_type_only_while_alone() {
        let change = Change::ChangeTarget {
            from: Logdna,
            to: Logs,
        };
        assert_eq!(check(&[Logdna], change), Ok(()));
        assert_eq!(
            check(&[Logdna, Logs], change),
            Err(TenantRuleError::TypeChange)
        );
        let same = Change::ChangeTarget {
            from: Logs,
            to: Logs,
        };
        assert_eq!(check(&[Logdna, Logs], same), Ok(()));
    }

    #[test]
    fn never_the_last_target() {
        assert_eq!(
            check(&[Logs], Change::DeleteTarget),
            Err(TenantRuleError::LastTarget)
        );
        assert_eq!(check(&[Logs, Logdna], Change::DeleteTarget), Ok(()));
    }

    #[test]
    fn tenant_limit() {
        assert_eq!(check_new_tenant(0, 1), Ok(()));
        assert_eq!(
            check_new_tenant(1, 1),
            Err(TenantRuleError::TenantLimit { limit: 1 })
        );
        assert_eq!(
            check_new_tenant(1, 1).map_err(|e| e.to_string()),
            Err(
                "The account already has the maximum number of tenants in this region (1)."
                    .to_owned()
            )
        );
        assert_eq!(check_new_tenant(2, 3), Ok(()));
    }

    #[test]
    fn credential_plans() {
        let patched = |credential: Option<&str>, drop_credential| PatchedTarget {
            spec: TargetSpec {
                access_credential: credential.map(str::to_owned),
                ..current_logdna()
            },
            drop_credential,
        };
        let new = patched(Some("k"), false);
        assert_eq!(
            credential_plan(&new, Some(SealedUnder::Previous)),
            CredentialPlan::Seal("k")
        );
        assert_eq!(
            credential_plan(&patched(None, true), Some(SealedUnder::Current)),
            CredentialPlan::Drop
        );
        assert_eq!(
            credential_plan(&patched(None, false), Some(SealedUnder::Previous)),
            CredentialPlan::Reseal
        );
        assert_eq!(
            credential_plan(&patched(None, false), Some(SealedUnder::Current)),
            CredentialPlan::Keep
        );
        assert_eq!(
            credential_plan(&patched(None, false), None),
            CredentialPlan::Keep
        );
    }
}
