//! The stable machine codes of [`ErrorBody`](super::ErrorBody), with the HTTP status each
//! comes with. Clients branch on these; the messages are for people.

// Requests in general.
/// 400: the body is not the JSON the route expects.
pub const REQUEST_MALFORMED_JSON: &str = "request.malformed_json";
/// 400: a field, header or path parameter has a value the contract does not allow.
pub const REQUEST_INVALID: &str = "request.invalid";
/// 404: no such route.
pub const REQUEST_NOT_FOUND: &str = "request.not_found";
/// 405: the route exists, the method does not.
pub const REQUEST_METHOD_NOT_ALLOWED: &str = "request.method_not_allowed";
/// 408: the request took longer than the server's timeout.
pub const REQUEST_TIMEOUT: &str = "request.timeout";
/// 413: the request body is larger than the route accepts.
pub const REQUEST_TOO_LARGE: &str = "request.too_large";
/// 415: the `Content-Type` is not the one the route takes.
pub const REQUEST_UNSUPPORTED_MEDIA_TYPE: &str = "request.unsupported_media_type";
/// 429: too many requests from this client; wait `Retry-After` seconds.
pub const RATE_LIMITED: &str = "rate.limited";

// Login.
/// 401: no `Authorization: Bearer …` header.
pub const AUTH_MISSING: &str = "auth.missing";
/// 401: the bearer token is unknown or expired: log in again.
pub const AUTH_INVALID_TOKEN: &str = "auth.invalid_token";
/// 401: the nonce was not issued by this portal, was used already, or expired.
pub const AUTH_CHALLENGE_INVALID: &str = "auth.challenge_invalid";
/// 401: the signed nonce does not verify (bad CMS, bad signature, untrusted certificate…);
/// the login verifier may give a more specific `auth.*` code.
pub const AUTH_SIGNATURE_INVALID: &str = "auth.signature_invalid";

// tus uploads.
/// 412: `Tus-Resumable` missing or not `1.0.0`.
pub const TUS_VERSION_UNSUPPORTED: &str = "tus.version_unsupported";
/// 404: no such upload (never created, terminated, or someone else's).
pub const TUS_UPLOAD_NOT_FOUND: &str = "tus.upload_not_found";
/// 409: `Upload-Offset` of a PATCH is not the upload's current offset.
pub const TUS_OFFSET_MISMATCH: &str = "tus.offset_mismatch";
/// 460: the chunk's `Upload-Checksum` does not match its bytes; the chunk was discarded.
pub const TUS_CHECKSUM_MISMATCH: &str = "tus.checksum_mismatch";
/// 400: `Upload-Checksum` names an algorithm other than sha256.
pub const TUS_CHECKSUM_ALGORITHM: &str = "tus.checksum_algorithm_unsupported";
/// 413: `Upload-Length` above `Tus-Max-Size`.
pub const TUS_TOO_LARGE: &str = "tus.upload_too_large";
/// 413: a PATCH would write past `Upload-Length`; the chunk was discarded.
pub const TUS_LENGTH_EXCEEDED: &str = "tus.length_exceeded";
/// 423: another request is writing this upload; retry.
pub const TUS_UPLOAD_LOCKED: &str = "tus.upload_locked";
/// 409: the upload is not complete (offset < length), or is already filed.
pub const TUS_UPLOAD_INCOMPLETE: &str = "tus.upload_incomplete";

// Dossiers.
/// 404: no dossier with this number among the caller's.
pub const DOSSIER_NOT_FOUND: &str = "dossier.not_found";
/// 422: `container_sha256` does not match the uploaded bytes.
pub const DOSSIER_HASH_MISMATCH: &str = "dossier.hash_mismatch";
/// 409: this container was filed by another client.
pub const DOSSIER_FILED_BY_ANOTHER: &str = "dossier.filed_by_another";
/// 409: the status cannot move this way (see [`StatusName::can_move_to`](super::StatusName::can_move_to)).
pub const DOSSIER_INVALID_TRANSITION: &str = "dossier.invalid_transition";
/// 409: a supplement was sent while none is requested, or after the deadline.
pub const DOSSIER_SUPPLEMENT_NOT_REQUESTED: &str = "dossier.supplement_not_requested";
/// 422: a supplement's applicant is not the dossier's.
pub const DOSSIER_SUPPLEMENT_APPLICANT: &str = "dossier.supplement_applicant_mismatch";

// Verification of containers (the filing verifier may return more specific codes, all 422).
/// 422: the certificate that signed the container carries a tax code other than the
/// applicant's.
pub const FILING_TAX_CODE_MISMATCH: &str = "filing.tax_code_mismatch";
/// 422: the container is not an ASiC-E container (zip, `mimetype` first, manifest).
pub const FILING_NOT_ASIC: &str = "filing.not_asic";
/// 422: the container has no signature, or a signature that does not verify.
pub const FILING_SIGNATURE_INVALID: &str = "filing.signature_invalid";
/// 422: this server cannot verify containers, so it accepts none.
pub const VERIFICATION_UNAVAILABLE: &str = "verification.unavailable";

// Catalog.
/// 404: the portal has no catalog (or no data pack) to offer.
pub const CATALOG_UNAVAILABLE: &str = "catalog.unavailable";

// Server.
/// 500: the server failed (disk, database); the request may be retried.
pub const SERVER_INTERNAL: &str = "server.internal";
/// 503: the server is shutting down or overloaded; retry after `Retry-After`.
pub const SERVER_UNAVAILABLE: &str = "server.unavailable";
