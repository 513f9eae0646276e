"""Where dataset bytes live: Redis for small blobs, local disk or S3 for big ones (`base.BlobStore`)."""
