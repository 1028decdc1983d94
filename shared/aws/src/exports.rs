//! The exports bucket as plain S3 objects (the `exports bucket` of docs/architecture.md): put, get, a streaming
//! multipart upload, list, delete and presigned GET links. It knows nothing of what the objects mean; the report
//! runs that decide the keys, the order of the writes and what to delete are `orders_app::reports`.

use std::time::Duration;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

/// Size of a multipart upload's parts unless set otherwise.
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// S3's least part size (every part but the last).
pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;

/// An exports-bucket call failed; each variant names the object key (or the listed prefix) it was about.
#[derive(Debug, thiserror::Error)]
pub enum ExportsError {
    /// An S3 request failed.
    #[error("{key}: {detail}")]
    Request {
        /// Object key or listed prefix.
        key: String,
        /// What S3 said, with its whole context.
        detail: String,
    },
    /// An object's body broke off while it was read.
    #[error("{key}: {detail}")]
    Body {
        /// Object key.
        key: String,
        /// What went wrong.
        detail: String,
    },
    /// S3 started a multipart upload without giving its id.
    #[error("{key}: no upload id")]
    NoUploadId {
        /// Object key.
        key: String,
    },
    /// A multipart upload ran out of part numbers.
    #[error("{key}: too many parts")]
    TooManyParts {
        /// Object key.
        key: String,
    },
    /// A presigned link could not be made.
    #[error("{key}: {detail}")]
    Presign {
        /// Object key.
        key: String,
        /// What went wrong.
        detail: String,
    },
}

impl ExportsError {
    /// The key (or prefix) and what went wrong, apart.
    pub fn into_parts(self) -> (String, String) {
        match self {
            Self::Request { key, detail } | Self::Body { key, detail } | Self::Presign { key, detail } => (key, detail),
            Self::NoUploadId { key } => (key, "no upload id".to_owned()),
            Self::TooManyParts { key } => (key, "too many parts".to_owned()),
        }
    }
}

/// An S3 request on `key` failed.
fn request_error(key: &str, error: impl std::error::Error) -> ExportsError {
    ExportsError::Request { key: key.to_owned(), detail: DisplayErrorContext(&error).to_string() }
}

/// One bucket of exported files.
#[derive(Debug, Clone)]
pub struct ExportsBucket {
    client: aws_sdk_s3::Client,
    bucket: String,
    part_bytes: usize,
}

impl ExportsBucket {
    /// The bucket `bucket`, with parts of [`PART_BYTES`].
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into(), part_bytes: PART_BYTES }
    }

    /// The same with multipart parts of `bytes`, at least [`MIN_PART_BYTES`].
    pub fn with_part_bytes(mut self, bytes: usize) -> Self {
        self.part_bytes = bytes.max(MIN_PART_BYTES);
        self
    }

    /// The size of the parts a [`MultipartUpload`] sends.
    pub fn part_bytes(&self) -> usize {
        self.part_bytes
    }

    /// Puts one object (one PUT, replacing any object under `key`).
    pub async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), ExportsError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| request_error(key, e))
    }

    /// The object under `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ExportsError> {
        match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(object) => {
                let bytes = object
                    .body
                    .collect()
                    .await
                    .map_err(|e| ExportsError::Body { key: key.to_owned(), detail: e.to_string() })?;
                Ok(Some(bytes.into_bytes().to_vec()))
            }
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(error) => Err(request_error(key, error)),
        }
    }

    /// Every key that starts with `prefix`, in S3's (lexical) order, over as many list pages as there are.
    pub async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, ExportsError> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| request_error(prefix, e))?;
            keys.extend(page.contents().iter().filter_map(|object| object.key()).map(str::to_owned));
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => return Ok(keys),
            }
        }
    }

    /// Deletes the object under `key` (S3 answers the same when there is none).
    pub async fn delete(&self, key: &str) -> Result<(), ExportsError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| request_error(key, e))
    }

    /// A presigned GET link to `key` that works for `expires_in`.
    pub async fn presigned_get(&self, key: &str, expires_in: Duration) -> Result<String, ExportsError> {
        let presign_error = |detail: String| ExportsError::Presign { key: key.to_owned(), detail };
        let config = PresigningConfig::expires_in(expires_in).map_err(|e| presign_error(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| presign_error(e.to_string()))?;
        Ok(request.uri().to_owned())
    }
}

/// An object written as it is produced: bytes collect into a part of [`ExportsBucket::part_bytes`], and once
/// there is more than one part they go up as a multipart upload, so a long object is never held whole. An object
/// that fits in one part is one PUT.
pub struct MultipartUpload<'a> {
    bucket: &'a ExportsBucket,
    key: String,
    content_type: String,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
    bytes: usize,
}

impl<'a> MultipartUpload<'a> {
    /// Starts writing `key` (nothing is sent before a part fills or [`finish`](Self::finish)).
    pub fn new(bucket: &'a ExportsBucket, key: impl Into<String>, content_type: impl Into<String>) -> Self {
        Self {
            bucket,
            key: key.into(),
            content_type: content_type.into(),
            buffer: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
            bytes: 0,
        }
    }

    /// Appends bytes; uploads each part as it fills (however much is written at once).
    pub async fn write(&mut self, mut data: &[u8]) -> Result<(), ExportsError> {
        let part_bytes = self.bucket.part_bytes;
        self.bytes += data.len();
        while !data.is_empty() {
            let room = part_bytes.saturating_sub(self.buffer.len()).max(1);
            let (now, rest) = data.split_at(room.min(data.len()));
            self.buffer.extend_from_slice(now);
            data = rest;
            if self.buffer.len() >= part_bytes {
                self.upload_part().await?;
            }
        }
        Ok(())
    }

    /// Sends the buffer as the next part, starting the multipart upload first if this is the first part.
    async fn upload_part(&mut self) -> Result<(), ExportsError> {
        let (client, bucket) = (&self.bucket.client, &self.bucket.bucket);
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let created = client
                    .create_multipart_upload()
                    .bucket(bucket)
                    .key(&self.key)
                    .content_type(&self.content_type)
                    .send()
                    .await
                    .map_err(|e| request_error(&self.key, e))?;
                let id =
                    created.upload_id().ok_or_else(|| ExportsError::NoUploadId { key: self.key.clone() })?.to_owned();
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number =
            i32::try_from(self.parts.len() + 1).map_err(|_| ExportsError::TooManyParts { key: self.key.clone() })?;
        let body = std::mem::take(&mut self.buffer);
        let uploaded = client
            .upload_part()
            .bucket(bucket)
            .key(&self.key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| request_error(&self.key, e))?;
        self.parts
            .push(CompletedPart::builder().part_number(number).set_e_tag(uploaded.e_tag().map(str::to_owned)).build());
        Ok(())
    }

    /// Finishes the object (one PUT if it fit in one part); returns its size in bytes. A multipart upload whose
    /// last part or completion fails is aborted, so no parts linger.
    pub async fn finish(mut self) -> Result<usize, ExportsError> {
        let Some(upload_id) = self.upload_id.clone() else {
            let body = std::mem::take(&mut self.buffer);
            self.bucket.put(&self.key, body, &self.content_type).await?;
            return Ok(self.bytes);
        };
        let result = async {
            if !self.buffer.is_empty() {
                self.upload_part().await?;
            }
            let parts = CompletedMultipartUpload::builder().set_parts(Some(self.parts.clone())).build();
            self.bucket
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket.bucket)
                .key(&self.key)
                .upload_id(&upload_id)
                .multipart_upload(parts)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| request_error(&self.key, e))
        }
        .await;
        if let Err(error) = result {
            let _ = self
                .bucket
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket.bucket)
                .key(&self.key)
                .upload_id(&upload_id)
                .send()
                .await;
            return Err(error);
        }
        Ok(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(endpoint: &str) -> aws_sdk_s3::Client {
        crate::config::s3_client(&crate::config::emulator_sdk_config(endpoint, "eu-north-1"))
    }

    #[test]
    fn parts_are_never_below_s3s_least() {
        let bucket = ExportsBucket::new(client("http://127.0.0.1:9"), "b");
        assert_eq!(bucket.part_bytes(), PART_BYTES);
        assert_eq!(bucket.clone().with_part_bytes(1).part_bytes(), MIN_PART_BYTES);
        assert_eq!(bucket.with_part_bytes(6 * 1024 * 1024).part_bytes(), 6 * 1024 * 1024);
    }

    #[test]
    fn an_error_comes_apart_into_its_key_and_what_went_wrong() {
        let parts = |e: ExportsError| e.into_parts();
        assert_eq!(parts(ExportsError::NoUploadId { key: "k".into() }), ("k".into(), "no upload id".into()));
        assert_eq!(parts(ExportsError::TooManyParts { key: "k".into() }), ("k".into(), "too many parts".into()));
        let request = ExportsError::Request { key: "p/".into(), detail: "denied".into() };
        assert_eq!(request.to_string(), "p/: denied");
        assert_eq!(parts(request), ("p/".into(), "denied".into()));
    }

    #[tokio::test]
    async fn a_link_is_signed_for_its_key_and_time_without_a_request() {
        let bucket = ExportsBucket::new(client("http://127.0.0.1:9"), "exports");
        let url = bucket.presigned_get("a/b.csv", Duration::from_secs(600)).await.expect("signed");
        assert!(url.contains("/exports/a/b.csv?") && url.contains("X-Amz-Expires=600"), "{url}");
        let too_long = bucket.presigned_get("a/b.csv", Duration::from_secs(8 * 24 * 3600)).await;
        assert!(matches!(too_long, Err(ExportsError::Presign { ref key, .. }) if key == "a/b.csv"), "{too_long:?}");
    }
}
