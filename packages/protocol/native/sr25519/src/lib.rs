//! sr25519 (schnorrkel) signature verification and signing for `@subnet/protocol`, as a Node
//! addon.
//!
//! The signing context is substrate's (`b"substrate"`), as in polkadot-js and the Python SDK.
//! Every entry point is total: bytes of the wrong length, a public key that is not a Ristretto
//! encoding, a signature without schnorrkel's marker bit or with a non-canonical scalar all give
//! `false`, never an exception, and a panic inside schnorrkel is caught rather than unwinding
//! into Node.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use napi_derive::napi;
use schnorrkel::context::{SigningContext, SigningTranscript};
use napi::bindgen_prelude::Buffer;
use schnorrkel::{PublicKey, SecretKey, Signature};

const PUBLIC_KEY_LENGTH: usize = 32;
const SIGNATURE_LENGTH: usize = 64;
const SECRET_KEY_LENGTH: usize = 64;
/// Decompressed keys kept per thread; the map is emptied when full.
const KEY_CACHE_CAPACITY: usize = 4096;

thread_local! {
    static KEYS: RefCell<HashMap<[u8; PUBLIC_KEY_LENGTH], PublicKey>> = RefCell::new(HashMap::new());
}

/// The key `bytes` encode, decompressed once per thread while it stays in the cache (an axon
/// hears from a few validators: decompression is a tenth of a verify). Invalid keys are not kept.
fn decompressed_key(bytes: &[u8]) -> Option<PublicKey> {
    let bytes: [u8; PUBLIC_KEY_LENGTH] = bytes.try_into().ok()?;
    KEYS.with(|cell| {
        let mut keys = cell.borrow_mut();
        if let Some(key) = keys.get(&bytes) {
            return Some(*key);
        }
        let key = PublicKey::from_bytes(&bytes).ok()?;
        if keys.len() >= KEY_CACHE_CAPACITY {
            keys.clear();
        }
        keys.insert(bytes, key);
        Some(key)
    })
}

/// The transcript every substrate signature starts from, built once.
fn substrate_context() -> &'static SigningContext {
    static CONTEXT: OnceLock<SigningContext> = OnceLock::new();
    CONTEXT.get_or_init(|| SigningContext::new(b"substrate"))
}

fn transcript(message: &[u8]) -> impl SigningTranscript {
    substrate_context().bytes(message)
}

/// `false` for anything but a clean `true`, panics included.
fn total(check: impl FnOnce() -> bool) -> bool {
    catch_unwind(AssertUnwindSafe(check)).unwrap_or(false)
}

fn verify_one(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Some(key) = decompressed_key(public_key) else {
        return false;
    };
    let Ok(signature) = Signature::from_bytes(signature) else {
        return false;
    };
    key.verify(transcript(message), &signature).is_ok()
}

/// Whether `signature` (64 bytes) is `public_key`'s (32 bytes) sr25519 signature of `message`.
#[napi]
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    total(|| verify_one(public_key, message, signature))
}

/// Splits `bytes` into `n` items of `size` bytes, or None if it is not exactly that long.
fn chunks(bytes: &[u8], size: usize, n: usize) -> Option<std::slice::ChunksExact<'_, u8>> {
    (n.checked_mul(size)? == bytes.len()).then(|| bytes.chunks_exact(size))
}

fn verify_many(
    public_keys: &[u8],
    messages: &[u8],
    message_ends: &[u32],
    signatures: &[u8],
) -> bool {
    let n = message_ends.len();
    if n == 0 {
        return false;
    }
    let (Some(key_bytes), Some(signature_bytes)) = (
        chunks(public_keys, PUBLIC_KEY_LENGTH, n),
        chunks(signatures, SIGNATURE_LENGTH, n),
    ) else {
        return false;
    };
    let mut keys = Vec::with_capacity(n);
    for bytes in key_bytes {
        let Some(key) = decompressed_key(bytes) else {
            return false;
        };
        keys.push(key);
    }
    let mut sigs = Vec::with_capacity(n);
    for bytes in signature_bytes {
        let Ok(signature) = Signature::from_bytes(bytes) else {
            return false;
        };
        sigs.push(signature);
    }
    let mut transcripts = Vec::with_capacity(n);
    let mut start = 0usize;
    for &end in message_ends {
        let end = end as usize;
        let Some(message) = messages.get(start..end) else {
            return false;
        };
        transcripts.push(transcript(message));
        start = end;
    }
    if start != messages.len() {
        return false;
    }
    // Keys that repeat (one validator's many requests) become one term of the multiplication.
    schnorrkel::verify_batch(transcripts, &sigs, &keys, true).is_ok()
}

/// Whether every one of `n` signatures is valid, checked together (one multiscalar
/// multiplication with random weights). `public_keys` is n × 32 bytes, `signatures` n × 64 bytes,
/// `messages` the n messages end to end, and `message_ends[i]` the offset where message i ends.
/// `false` says only that at least one is invalid (or the input is malformed).
#[napi]
pub fn verify_batch(
    public_keys: &[u8],
    messages: &[u8],
    message_ends: &[u32],
    signatures: &[u8],
) -> bool {
    total(|| verify_many(public_keys, messages, message_ends, signatures))
}

fn sign_one(public_key: &[u8], secret_key: &[u8], message: &[u8]) -> Option<Vec<u8>> {
    if secret_key.len() != SECRET_KEY_LENGTH {
        return None;
    }
    // polkadot-js keeps the secret in schnorrkel's ed25519-compatible layout (key × cofactor).
    let secret = SecretKey::from_ed25519_bytes(secret_key).ok()?;
    let public = decompressed_key(public_key)?;
    Some(secret.sign(transcript(message), &public).to_bytes().to_vec())
}

/// The sr25519 signature (64 bytes) of `message` by the 64-byte secret key `secret_key` (the
/// polkadot-js layout) whose public key is `public_key`; null for keys of the wrong form. The
/// signature's nonce mixes in fresh randomness, as schnorrkel's own signing does.
#[napi]
pub fn sign(public_key: &[u8], secret_key: &[u8], message: &[u8]) -> Option<Buffer> {
    catch_unwind(AssertUnwindSafe(|| sign_one(public_key, secret_key, message)))
        .ok()
        .flatten()
        .map(Buffer::from)
}
