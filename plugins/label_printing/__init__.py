"""Label printing (批量打单): shipping labels, pick lists and packing slips for a selection.

Rendering is pure (``plugins.label_printing.pdf``, ``.zpl``, ``.sheets``): 100x150 mm PDF
labels with the waybill as Code 128 and QR, ZPL for 4x6 in thermal printers, A4 pick lists
(拣货单, items summed across the selection) and packing slips (发货单). The plugin imports
only ``sdk`` and its own extra (reportlab), like any third party's.
"""

from __future__ import annotations

from plugins.label_printing.model import Item, Label, Party

__all__ = ["Item", "Label", "Party"]
