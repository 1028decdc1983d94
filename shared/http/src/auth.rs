//! Who is calling: the API key of `Authorization: Bearer`, looked up by its SHA-256, and whether its role may do
//! what the route does.

use lambda_http::Request;
use orders_aws::store::ApiKeyRecord;
use orders_aws::Store;
use orders_domain::fingerprint::api_key_hash;
use orders_domain::ids::Role;

use crate::{bearer_token, ApiError};

/// The caller's key: 401 without a known key, 403 when its role is not in `allowed` (`action` says what was
/// refused).
pub async fn authenticate(
    store: &Store,
    request: &Request,
    allowed: &[Role],
    action: &'static str,
) -> Result<ApiKeyRecord, ApiError> {
    let token = bearer_token(request.headers())?;
    let key = store.find_api_key(&api_key_hash(token)).await?.ok_or(ApiError::Unauthorized)?;
    if !allowed.contains(&key.role) {
        return Err(ApiError::Forbidden { role: key.role.as_str(), action });
    }
    Ok(key)
}
