"""The merchant's settings for store migration (一键搬家)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sdk.forms import setting_text


class MigrationSettings(BaseModel):
    """Where product images come from and how an import treats them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fetch_images: bool = Field(
        default=True,
        title="Fetch images",
        description="Download each product's images from the URLs in the file.",
        json_schema_extra=setting_text(zh_CN=("抓取图片", "按文件中的链接下载每个商品的图片。")),
    )
    image_base_url: str = Field(
        default="",
        max_length=300,
        title="Image address prefix",
        description=(
            "For files that name images by path only (Magento's /w/b/x.jpg): the address "
            "they are under, such as https://shop.example.com/media/catalog/product."
        ),
        json_schema_extra=setting_text(
            zh_CN=(
                "图片地址前缀",
                "文件只写图片路径时（如 Magento 的 /w/b/x.jpg）所在的网址前缀。",  # noqa: RUF001 (Chinese punctuation)
            )
        ),
    )
    allow_private_image_hosts: bool = Field(
        default=False,
        title="Allow images from private addresses",
        description=(
            "Fetch images from loopback and private network addresses too. Leave off "
            "unless the images are on your own network."
        ),
        json_schema_extra=setting_text(
            zh_CN=("允许内网图片地址", "也从本机和内网地址抓取图片。图片不在自己内网时请勿开启。")
        ),
    )


def coerce_settings(settings: Any) -> MigrationSettings:
    """The hook's ``settings`` as :class:`MigrationSettings` (a dict is validated)."""
    if isinstance(settings, MigrationSettings):
        return settings
    if isinstance(settings, BaseModel):
        settings = settings.model_dump()
    return MigrationSettings.model_validate(settings or {})
