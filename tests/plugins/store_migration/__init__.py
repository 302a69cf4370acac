"""Store migration (一键搬家): parsers, files as merchants have them, the import job."""
