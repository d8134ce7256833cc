//! Puts a test identity on a token: for the tests and for `hoso demo` with SoftHSM2. Through
//! PKCS#11 itself (no pkcs11-tool): a token is initialised on the module's free slot, its user
//! PIN set, and the private key and certificates created as objects.
//!
//! Never for a real token: initialising wipes it.

use std::collections::HashSet;
use std::sync::Arc;

use cryptoki::object::{Attribute, CertificateType, KeyType, ObjectClass};
use cryptoki::session::UserType;
use der::Encode;
use der::asn1::ObjectIdentifier;
use pkcs8::DecodePrivateKey;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use x509_cert::Certificate;
use zeroize::Zeroize;

use super::registry::Module;
use super::token::Token;
use super::{Pin, token_error};
use crate::signer::SignError;
use crate::test_pki::{Identity, KeySpec};

const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// How the identity goes onto the token.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Store the intermediate certificates too, as Vietnamese CA tokens do.
    pub with_chain: bool,
    /// Mark the key CKA_ALWAYS_AUTHENTICATE (a PIN before every signature).
    pub always_authenticate: bool,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            with_chain: true,
            always_authenticate: false,
        }
    }
}

/// Initialises a token labelled `token_label` on the module's free (uninitialised) slot and
/// stores `identity` on it under `object_label` and CKA_ID `id`. Returns the token, found again
/// by label afterwards: `C_InitToken` moves it to a new slot id.
pub fn import_identity(
    module: &Arc<Module>,
    token_label: &str,
    so_pin: &Pin,
    user_pin: &Pin,
    identity: &Identity,
    object_label: &str,
    id: &[u8],
) -> Result<Token, SignError> {
    import_identity_with(
        module,
        token_label,
        so_pin,
        user_pin,
        identity,
        object_label,
        id,
        &ImportOptions::default(),
    )
}

/// [`import_identity`] with options.
#[allow(clippy::too_many_arguments)]
pub fn import_identity_with(
    module: &Arc<Module>,
    token_label: &str,
    so_pin: &Pin,
    user_pin: &Pin,
    identity: &Identity,
    object_label: &str,
    id: &[u8],
    options: &ImportOptions,
) -> Result<Token, SignError> {
    if token_label.len() > 32 || token_label.trim() != token_label || token_label.is_empty() {
        return Err(SignError::Other(format!(
            "token label «{token_label}»: 1 to 32 bytes, no surrounding blanks"
        )));
    }
    let pkcs11 = module.pkcs11();
    let slots = pkcs11
        .get_slots_with_token()
        .map_err(|e| token_error("C_GetSlotList", e))?;
    let mut initialised_before = HashSet::new();
    let mut free = None;
    for slot in &slots {
        let info = pkcs11
            .get_token_info(*slot)
            .map_err(|e| token_error("C_GetTokenInfo", e))?;
        if info.token_initialized() {
            initialised_before.insert(slot.id());
        } else if free.is_none() {
            free = Some(*slot);
        }
    }
    let free = free.ok_or_else(|| {
        SignError::Other(format!(
            "{}: no uninitialised token to initialise",
            module.path().display()
        ))
    })?;
    pkcs11
        .init_token(free, &so_pin.auth(), token_label)
        .map_err(|e| token_error("C_InitToken", e))?;

    // The token now lives in another slot: the new initialised one with our label.
    let slot = pkcs11
        .get_slots_with_token()
        .map_err(|e| token_error("C_GetSlotList", e))?
        .into_iter()
        .find(|s| {
            !initialised_before.contains(&s.id())
                && pkcs11
                    .get_token_info(*s)
                    .map(|i| i.token_initialized() && i.label().trim() == token_label)
                    .unwrap_or(false)
        })
        .ok_or_else(|| {
            SignError::Other(format!("token «{token_label}» not found after C_InitToken"))
        })?;

    let session = pkcs11
        .open_rw_session(slot)
        .map_err(|e| token_error("C_OpenSession", e))?;
    session
        .login(UserType::So, Some(&so_pin.auth()))
        .map_err(|e| token_error("C_Login", e))?;
    session
        .init_pin(&user_pin.auth())
        .map_err(|e| token_error("C_InitPIN", e))?;
    session.logout().map_err(|e| token_error("C_Logout", e))?;
    session
        .login(UserType::User, Some(&user_pin.auth()))
        .map_err(|e| token_error("C_Login", e))?;

    let mut key_template = private_key_template(identity, object_label, id, options)?;
    let created = session.create_object(&key_template);
    wipe(&mut key_template);
    created.map_err(|e| token_error("C_CreateObject", e))?;

    session
        .create_object(&certificate_template(
            &identity.certificate,
            object_label,
            id,
        )?)
        .map_err(|e| token_error("C_CreateObject", e))?;
    if options.with_chain {
        for (i, ca) in identity.chain.iter().enumerate() {
            let ca_id = [id, b"-ca", &[i as u8]].concat();
            session
                .create_object(&certificate_template(
                    ca,
                    &format!("{object_label} CA {i}"),
                    &ca_id,
                )?)
                .map_err(|e| token_error("C_CreateObject", e))?;
        }
    }
    session.logout().map_err(|e| token_error("C_Logout", e))?;
    drop(session);
    Token::read(module, slot)
}

fn private_key_template(
    identity: &Identity,
    label: &str,
    id: &[u8],
    options: &ImportOptions,
) -> Result<Vec<Attribute>, SignError> {
    let bad = |e: &dyn std::fmt::Display| SignError::Other(format!("private key: {e}"));
    let mut template = vec![
        Attribute::Class(ObjectClass::PRIVATE_KEY),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.to_vec()),
        Attribute::Subject(
            identity
                .certificate
                .tbs_certificate
                .subject
                .to_der()
                .map_err(|e| bad(&e))?,
        ),
    ];
    if options.always_authenticate {
        template.push(Attribute::AlwaysAuthenticate(true));
    }
    match identity.key {
        KeySpec::Rsa(_) | KeySpec::RsaPss(_) => {
            let mut key =
                rsa::RsaPrivateKey::from_pkcs8_der(&identity.key_pkcs8).map_err(|e| bad(&e))?;
            key.precompute().map_err(|e| bad(&e))?;
            let [p, q] = key.primes() else {
                return Err(SignError::Other(
                    "multi-prime RSA keys are not stored".into(),
                ));
            };
            let (Some(dp), Some(dq), Some(qinv)) = (key.dp(), key.dq(), key.crt_coefficient())
            else {
                return Err(SignError::Other("RSA key without CRT values".into()));
            };
            template.extend([
                Attribute::KeyType(KeyType::RSA),
                Attribute::Modulus(key.n().to_bytes_be()),
                Attribute::PublicExponent(key.e().to_bytes_be()),
                Attribute::PrivateExponent(key.d().to_bytes_be()),
                Attribute::Prime1(p.to_bytes_be()),
                Attribute::Prime2(q.to_bytes_be()),
                Attribute::Exponent1(dp.to_bytes_be()),
                Attribute::Exponent2(dq.to_bytes_be()),
                Attribute::Coefficient(qinv.to_bytes_be()),
            ]);
        }
        KeySpec::P256 => {
            let key = p256::SecretKey::from_pkcs8_der(&identity.key_pkcs8).map_err(|e| bad(&e))?;
            template.extend([
                Attribute::KeyType(KeyType::EC),
                Attribute::EcParams(SECP256R1.to_der().map_err(|e| bad(&e))?),
                Attribute::Value(key.to_bytes().to_vec()),
            ]);
        }
        KeySpec::P384 => {
            let key = p384::SecretKey::from_pkcs8_der(&identity.key_pkcs8).map_err(|e| bad(&e))?;
            template.extend([
                Attribute::KeyType(KeyType::EC),
                Attribute::EcParams(SECP384R1.to_der().map_err(|e| bad(&e))?),
                Attribute::Value(key.to_bytes().to_vec()),
            ]);
        }
    }
    Ok(template)
}

/// Overwrites the secret values of a key template once it has been handed to the token.
fn wipe(template: &mut [Attribute]) {
    for attr in template {
        match attr {
            Attribute::PrivateExponent(v)
            | Attribute::Prime1(v)
            | Attribute::Prime2(v)
            | Attribute::Exponent1(v)
            | Attribute::Exponent2(v)
            | Attribute::Coefficient(v)
            | Attribute::Value(v) => v.zeroize(),
            _ => {}
        }
    }
}

fn certificate_template(
    cert: &Certificate,
    label: &str,
    id: &[u8],
) -> Result<Vec<Attribute>, SignError> {
    let bad = |e: der::Error| SignError::Other(format!("certificate: {e}"));
    let tbs = &cert.tbs_certificate;
    Ok(vec![
        Attribute::Class(ObjectClass::CERTIFICATE),
        Attribute::CertificateType(CertificateType::X_509),
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.to_vec()),
        Attribute::Value(cert.to_der().map_err(bad)?),
        Attribute::Subject(tbs.subject.to_der().map_err(bad)?),
        Attribute::Issuer(tbs.issuer.to_der().map_err(bad)?),
        Attribute::SerialNumber(tbs.serial_number.to_der().map_err(bad)?),
    ])
}
