//! The document archive: issued documents as S3 objects, each written once (a conditional put), never overwritten.

use aws_sdk_s3::primitives::ByteStream;

/// An archive failure (the caller retries).
#[derive(Debug, thiserror::Error)]
#[error("archive {key}: {detail}")]
pub struct ArchiveError {
    /// The object key.
    pub key: String,
    /// What S3 said.
    pub detail: String,
}

/// What an archive put did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archived {
    /// Written now.
    Stored,
    /// The key was taken already (a redelivery): left as it was.
    AlreadyThere,
}

/// Writes documents to one bucket.
#[derive(Debug, Clone)]
pub struct DocumentArchive {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl DocumentArchive {
    /// An archive in `bucket`.
    pub fn new(s3: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { s3, bucket: bucket.into() }
    }

    /// Stores `body` under `key` unless the key exists (`If-None-Match: *`; S3 answers 412 then).
    pub async fn put_once(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<Archived, ArchiveError> {
        let result = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .if_none_match("*")
            .body(ByteStream::from(body))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Archived::Stored),
            // Not a modelled error of PutObject: read the status.
            Err(error) if error.raw_response().is_some_and(|r| r.status().as_u16() == 412) => {
                Ok(Archived::AlreadyThere)
            }
            Err(error) => Err(ArchiveError {
                key: key.to_owned(),
                detail: aws_sdk_s3::error::DisplayErrorContext(&error).to_string(),
            }),
        }
    }
}

impl DocumentArchive {
    /// The object under `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ArchiveError> {
        let result = self.s3.get_object().bucket(&self.bucket).key(key).send().await;
        match result {
            Ok(object) => {
                let bytes = object
                    .body
                    .collect()
                    .await
                    .map_err(|e| ArchiveError { key: key.to_owned(), detail: e.to_string() })?;
                Ok(Some(bytes.into_bytes().to_vec()))
            }
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(error) => Err(ArchiveError {
                key: key.to_owned(),
                detail: aws_sdk_s3::error::DisplayErrorContext(&error).to_string(),
            }),
        }
    }
}
