//! Sealing of secrets at rest: AES-256-GCM under a current key, with an optional previous key that can still open
//! what was sealed before a key rotation. The router seals target credentials under `CREDENTIALS_KEY` (and
//! `CREDENTIALS_KEY_PREVIOUS`); service-logs seals webhook signing secrets under `WEBHOOK_SECRETS_KEY` (and
//! `WEBHOOK_SECRETS_KEY_PREVIOUS`). [`KeyVars`] names the pair, for messages.
//!
//! A sealed value is
//!
//! ```text
//! version (1 byte, = 1) | key id (8 bytes) | nonce (12 bytes, random) | ciphertext + tag (16 bytes)
//! ```
//!
//! The key id is the first 8 bytes of the SHA-256 of the key; it lets [`Sealer::open`] pick the key and
//! [`Sealer::is_current`] tell whether a value should be re-sealed. The version byte and key id are the
//! additional authenticated data, so neither can be changed without [`Sealer::open`] noticing.
//!
//! Nothing here logs, and neither errors nor `Debug` output carry key material or plaintext.

use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The environment variables holding a sealer's keys: messages name them, never their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyVars {
    /// The current key: seals, and opens.
    pub current: &'static str,
    /// The key before the last rotation (optional): opens only.
    pub previous: &'static str,
}

/// The router's target credentials.
pub const CREDENTIALS: KeyVars = KeyVars {
    current: "CREDENTIALS_KEY",
    previous: "CREDENTIALS_KEY_PREVIOUS",
};

/// service-logs' webhook signing secrets.
pub const WEBHOOK_SECRETS: KeyVars = KeyVars {
    current: "WEBHOOK_SECRETS_KEY",
    previous: "WEBHOOK_SECRETS_KEY_PREVIOUS",
};

/// The format version written as the first byte of every sealed value.
pub const FORMAT_VERSION: u8 = 1;
const KEY_LEN: usize = 32;
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + KEY_ID_LEN;
/// Length of a sealed empty string; a sealed value is this plus the plaintext's length in bytes.
pub const OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;

/// A key given in the environment is missing or unusable. The message names the variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The variable (e.g. `CREDENTIALS_KEY`) is unset or empty.
    #[error("{0} is not set")]
    NotSet(&'static str),
    /// The variable is not standard base64 of exactly 32 bytes.
    #[error("{0} must be base64 of exactly 32 bytes")]
    Invalid(&'static str),
}

/// A sealed value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Sealed under a key that is neither the current nor the previous one.
    #[error("sealed under a key that is neither {} nor {}", .0.current, .0.previous)]
    UnknownKey(KeyVars),
    /// Truncated, of an unknown format version, tampered with, or not UTF-8 inside.
    #[error("sealed value is corrupt")]
    Corrupt,
}

/// Sealing failed. AES-GCM refuses only plaintexts longer than 64 GiB, so this is unreachable for any
/// credential that fits in a request body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the value is too long to seal")]
pub struct SealError;

#[derive(Clone)]
struct SealingKey {
    id: [u8; KEY_ID_LEN],
    cipher: Aes256Gcm,
}

impl SealingKey {
    fn parse(var: &'static str, value: Option<&str>) -> Result<Option<Self>, KeyError> {
        let Some(text) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let bytes = STANDARD.decode(text).map_err(|_| KeyError::Invalid(var))?;
        if bytes.len() != KEY_LEN {
            return Err(KeyError::Invalid(var));
        }
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyError::Invalid(var))?;
        let digest = Sha256::digest(&bytes);
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Ok(Some(Self { id, cipher }))
    }
}

/// Seals and opens secrets. Cheap to clone; `Debug` shows only whether a previous key is loaded.
#[derive(Clone)]
pub struct Sealer {
    vars: KeyVars,
    current: SealingKey,
    previous: Option<SealingKey>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("current", &"<redacted>")
            .field("previous", &self.previous.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Sealer {
    /// Builds the router's credentials sealer from the base64 text of `CREDENTIALS_KEY` and, optionally,
    /// `CREDENTIALS_KEY_PREVIOUS`.
    pub fn from_base64(current: Option<&str>, previous: Option<&str>) -> Result<Self, KeyError> {
        Self::from_vars(CREDENTIALS, current, previous)
    }

    /// Builds a sealer from the base64 text of the keys `vars` names. An empty (or all-blank) value counts as
    /// unset; surrounding whitespace is ignored.
    pub fn from_vars(
        vars: KeyVars,
        current: Option<&str>,
        previous: Option<&str>,
    ) -> Result<Self, KeyError> {
        let current =
            SealingKey::parse(vars.current, current)?.ok_or(KeyError::NotSet(vars.current))?;
        let previous = SealingKey::parse(vars.previous, previous)?;
        Ok(Self {
            vars,
            current,
            previous,
        })
    }

    /// Seals `plaintext` under the current key with a fresh random nonce.
    pub fn seal(&self, plaintext: &str) -> Result<Vec<u8>, SealError> {
        let key = &self.current;
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = header(&key.id);
        let ciphertext = key
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| SealError)?;
        let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
        out.extend_from_slice(&aad);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Opens a value sealed under the current or the previous key, chosen by its key id.
    pub fn open(&self, sealed: &[u8]) -> Result<String, OpenError> {
        if sealed.len() < OVERHEAD || sealed[0] != FORMAT_VERSION {
            return Err(OpenError::Corrupt);
        }
        let (aad, rest) = sealed.split_at(HEADER_LEN);
        let key_id = &aad[1..];
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == key_id)
            .ok_or(OpenError::UnknownKey(self.vars))?;
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Corrupt)?;
        let plaintext = key
            .cipher
            .decrypt(
                &aes_gcm::aead::Nonce::<Aes256Gcm>::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| OpenError::Corrupt)?;
        String::from_utf8(plaintext).map_err(|_| OpenError::Corrupt)
    }

    /// Whether `sealed` was sealed under the current key; `false` means it should be re-sealed on the next write.
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        sealed.len() >= HEADER_LEN
            && sealed[0] == FORMAT_VERSION
            && sealed[1..HEADER_LEN] == self.current.id
    }
}

fn header(key_id: &[u8; KEY_ID_LEN]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0] = FORMAT_VERSION;
    h[1..].copy_from_slice(key_id);
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; KEY_LEN])
    }

    fn sealer(current: u8, previous: Option<u8>) -> Sealer {
        let prev = previous.map(key);
        Sealer::from_base64(Some(&key(current)), prev.as_deref()).unwrap()
    }

    #[test]
    fn round_trip() {
        let s = sealer(1, None);
        for text in ["an-ingestion-secret", "", "ünïcödé ✓"] {
            let sealed = s.seal(text).unwrap();
            assert_eq!(sealed.len(), OVERHEAD + text.len());
            assert_eq!(sealed[0], FORMAT_VERSION);
            assert!(s.is_current(&sealed));
            assert_eq!(s.open(&sealed).unwrap(), text);
        }
    }

    #[test]
    fn sealed_value_does_not_contain_the_plaintext() {
        let s = sealer(1, None);
        let sealed = s.seal("an-ingestion-secret").unwrap();
        assert!(
            !sealed
                .windows(b"ingestion".len())
                .any(|w| w == b"ingestion")
        );
    }

    #[test]
    fn key_id_is_first_8_bytes_of_sha256_of_the_key() {
        let s = sealer(7, None);
        let sealed = s.seal("x").unwrap();
        let digest = Sha256::digest([7u8; KEY_LEN]);
        assert_eq!(&sealed[1..9], &digest[..8]);
    }

    #[test]
    fn two_seals_of_the_same_text_differ() {
        let s = sealer(1, None);
        let a = s.seal("same").unwrap();
        let b = s.seal("same").unwrap();
        assert_ne!(a, b);
        assert_ne!(
            a[HEADER_LEN..HEADER_LEN + NONCE_LEN],
            b[HEADER_LEN..HEADER_LEN + NONCE_LEN]
        );
        assert_eq!(s.open(&a).unwrap(), "same");
        assert_eq!(s.open(&b).unwrap(), "same");
    }

    #[test]
    fn rotation_opens_under_previous_key_and_reports_not_current() {
        let old = sealer(1, None);
        let sealed = old.seal("secret").unwrap();
        let rotated = sealer(2, Some(1));
        assert_eq!(rotated.open(&sealed).unwrap(), "secret");
        assert!(!rotated.is_current(&sealed));
        let resealed = rotated.seal("secret").unwrap();
        assert!(rotated.is_current(&resealed));
        assert_eq!(rotated.open(&resealed).unwrap(), "secret");
        // the old sealer knows nothing of the new key
        assert_eq!(old.open(&resealed), Err(OpenError::UnknownKey(CREDENTIALS)));
    }

    #[test]
    fn unknown_key_is_reported() {
        let sealed = sealer(3, None).seal("secret").unwrap();
        let s = sealer(2, Some(1));
        assert_eq!(s.open(&sealed), Err(OpenError::UnknownKey(CREDENTIALS)));
        assert!(!s.is_current(&sealed));
    }

    #[test]
    fn flipped_byte_is_corrupt() {
        let s = sealer(1, None);
        let sealed = s.seal("secret").unwrap();
        // every byte of nonce, ciphertext and tag, and the version byte
        for i in std::iter::once(0).chain(HEADER_LEN..sealed.len()) {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(s.open(&bad), Err(OpenError::Corrupt), "byte {i}");
        }
        // a changed key id no longer names a known key
        let mut bad = sealed.clone();
        bad[1] ^= 0x01;
        assert_eq!(s.open(&bad), Err(OpenError::UnknownKey(CREDENTIALS)));
    }

    #[test]
    fn truncated_or_empty_is_corrupt() {
        let s = sealer(1, None);
        let sealed = s.seal("secret").unwrap();
        assert_eq!(s.open(&[]), Err(OpenError::Corrupt));
        assert_eq!(s.open(&sealed[..OVERHEAD - 1]), Err(OpenError::Corrupt));
        assert_eq!(s.open(&sealed[..sealed.len() - 1]), Err(OpenError::Corrupt));
        assert!(!s.is_current(&[]));
        assert!(!s.is_current(&sealed[..HEADER_LEN - 1]));
    }

    #[test]
    fn bad_keys_give_exact_messages() {
        let msg = |c: Option<&str>, p: Option<&str>| {
            Sealer::from_base64(c, p).err().map(|e| e.to_string())
        };
        let not_set = Some("CREDENTIALS_KEY is not set".to_owned());
        let bad = Some("CREDENTIALS_KEY must be base64 of exactly 32 bytes".to_owned());
        let bad_prev =
            Some("CREDENTIALS_KEY_PREVIOUS must be base64 of exactly 32 bytes".to_owned());
        let k31 = STANDARD.encode([1u8; 31]);
        let k33 = STANDARD.encode([1u8; 33]);
        let good = key(1);

        assert_eq!(msg(None, None), not_set);
        assert_eq!(msg(Some(""), None), not_set);
        assert_eq!(msg(Some("  "), Some(&good)), not_set);
        assert_eq!(msg(Some("not base64!"), None), bad);
        assert_eq!(msg(Some(&k31), None), bad);
        assert_eq!(msg(Some(&k33), None), bad);
        assert_eq!(msg(Some(&good), Some("not base64!")), bad_prev);
        assert_eq!(msg(Some(&good), Some(&k31)), bad_prev);
        assert_eq!(msg(Some(&good), Some(&k33)), bad_prev);
        assert_eq!(
            Sealer::from_base64(Some(&good), Some(&k31)).err(),
            Some(KeyError::Invalid(CREDENTIALS.previous))
        );
        // empty previous counts as unset
        assert!(Sealer::from_base64(Some(&good), Some("")).is_ok());
        // surrounding whitespace (a trailing newline from a secret file) is ignored
        assert!(Sealer::from_base64(Some(&format!("{good}\n")), None).is_ok());
    }

    #[test]
    fn open_error_messages() {
        assert_eq!(
            OpenError::UnknownKey(CREDENTIALS).to_string(),
            "sealed under a key that is neither CREDENTIALS_KEY nor CREDENTIALS_KEY_PREVIOUS"
        );
        assert_eq!(
            OpenError::UnknownKey(WEBHOOK_SECRETS).to_string(),
            "sealed under a key that is neither WEBHOOK_SECRETS_KEY nor WEBHOOK_SECRETS_KEY_PREVIOUS"
        );
        let s = Sealer::from_vars(WEBHOOK_SECRETS, Some(&key(2)), None).unwrap();
        assert_eq!(
            s.open(&sealer(1, None).seal("x").unwrap()),
            Err(OpenError::UnknownKey(WEBHOOK_SECRETS))
        );
        assert_eq!(
            Sealer::from_vars(WEBHOOK_SECRETS, None, None).err(),
            Some(KeyError::NotSet("WEBHOOK_SECRETS_KEY"))
        );
        assert_eq!(OpenError::Corrupt.to_string(), "sealed value is corrupt");
    }

    #[test]
    fn debug_shows_no_key_material() {
        let current = key(0xAB);
        let previous = key(0xCD);
        let s = Sealer::from_base64(Some(&current), Some(&previous)).unwrap();
        let dbg = format!("{s:?} {s:#?}");
        assert!(dbg.contains("<redacted>"));
        assert!(!dbg.contains(&current));
        assert!(!dbg.contains(&previous));
        for b in [0xABu8, 0xCD] {
            assert!(!dbg.to_lowercase().contains(&format!("{b:x}{b:x}")));
            assert!(!dbg.contains(&format!("{b}, {b}")));
        }
        for k in [&s.current, s.previous.as_ref().unwrap()] {
            let id_hex: String = k.id.iter().map(|b| format!("{b:02x}")).collect();
            assert!(!dbg.contains(&id_hex));
        }
        assert_eq!(
            format!("{:?}", sealer(1, None)),
            r#"Sealer { current: "<redacted>", previous: None }"#
        );
    }
}
