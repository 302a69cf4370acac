"""The file store a host uses, chosen by ``TANZI_FILE_STORE`` (a folder, or an S3 bucket)."""

from __future__ import annotations

from urllib.parse import urlsplit

from core.files.store import FileStore, LocalFileStore
from core.settings import Settings, SettingsError


def file_store_for(settings: Settings) -> FileStore:
    """The store ``settings`` name: ``data_dir/files`` by default, or ``s3://bucket/prefix``.

    Raises :class:`~core.settings.SettingsError` for a value that names neither, or an S3
    store when boto3 (the ``s3`` extra) is not installed.
    """
    value = settings.file_store.strip()
    if not value or value == "local":
        return LocalFileStore(settings.data_dir / "files")
    parts = urlsplit(value)
    if parts.scheme != "s3" or not parts.netloc:
        raise SettingsError(
            f"TANZI_FILE_STORE={value!r} is not understood: leave it empty for a folder under "
            "TANZI_DATA_DIR, or give s3://bucket or s3://bucket/prefix"
        )
    try:
        import boto3
    except ImportError:
        raise SettingsError(
            "TANZI_FILE_STORE names an S3 bucket but boto3 is not installed: "
            "pip install 'tanzi[s3]'"
        ) from None
    from core.files.s3store import S3FileStore

    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region or None,
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
    )
    return S3FileStore(
        client,
        parts.netloc,
        prefix=parts.path,
        staging_dir=settings.data_dir / "files-staging",
    )
