"""Batch product management (商品批量管理): export the catalog to a spreadsheet, re-import it
with a diff preview, undo a batch within a day, and bulk actions on selected products."""
