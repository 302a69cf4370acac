"""A Shopify product CSV written in the form Shopify's help centre documents (Shopify's
own samples carry no licence), with what real exports hold: an HTML body over several
lines, image-only rows, a barcode Excel turned into ``3.65275E+11``, Chinese titles and
empty trailing columns."""

from __future__ import annotations

HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,"
    "Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,"
    "Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,"
    "Variant Inventory Policy,Variant Fulfillment Service,Variant Price,"
    "Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,"
    "Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,"
    "Variant Image,Variant Weight Unit,Status,,"
)
ROWS = (
    'tee-classic,经典T恤 Classic tee,"<p>Soft cotton.</p>\n<ul><li>Machine wash</li></ul>",'
    'Tanzi,Apparel & Accessories > Clothing > Shirts & Tops,Shirts,"tee, cotton",TRUE,'
    "Size,S,Color,Blue,,,TEE-S-BLUE,180,shopify,20,deny,manual,59.00,79.00,TRUE,TRUE,"
    "3.65275E+11,https://img.example.com/tee-1.jpg,1,front,FALSE,,,,g,active,,",
    "tee-classic,,,,,,,,,M,,Blue,,,TEE-M-BLUE,190,shopify,15,deny,manual,59.00,79.00,TRUE,"
    "TRUE,,https://img.example.com/tee-2.jpg,2,back,,,,,g,,,",
    "tee-classic,,,,,,,,,L,,Red,,,TEE-L-RED,200,shopify,0,deny,manual,62.50,,TRUE,TRUE,,,,"
    ",,,,https://img.example.com/tee-red.jpg,g,,,",
    "tee-classic,,,,,,,,,,,,,,,,,,,,,,,,,https://img.example.com/tee-3.jpg,3,,,,,,,,,",
    'mug-blue,蓝色马克杯 Blue mug,"<p>Holds 350 ml.</p>",Tanzi,Home & Garden > Kitchen,'
    "Mugs,,TRUE,Title,Default Title,,,,,,400,shopify,7,deny,manual,￥35,,TRUE,TRUE,"
    "6901234567892.0,https://img.example.com/mug.jpg,1,,FALSE,,,,kg,draft,,",
    "mug-blue,,,,,,,,,,,,,,,,,,,,,,,,,https://img.example.com/mug-2.jpg,2,,,,,,,,,",
)


def shopify_csv(*, newline: str = "\r\n", rows: tuple[str, ...] = ROWS) -> str:
    """The sample as text, with ``newline`` between records (CRLF, as Excel saves)."""
    return newline.join((HEADER, *rows)) + newline
