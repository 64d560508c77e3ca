"""CSV export of invoices for the old accounting system (hand-written in 2019).

No marker, glob or footer tags this file, so vibrails never parses it,
although it has the same problems as the tagged modules.
"""

import csv
import io


def export_rows(invoices, columns=["number", "customer_id", "total"], seen=set()):
    rows = []
    for invoice in invoices:
        if invoice.number in seen:
            continue
        seen.add(invoice.number)
        rows.append({column: getattr(invoice, column) for column in columns})
    return rows


def write_csv(rows, options={}):  # noqa: VBR304
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [], **options)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
