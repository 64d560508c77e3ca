"""Branch offices that issue invoices, with their legal addresses."""

BRANCHES = {
    "ZRH": {
        "legal_name": "Billing Schweiz AG",
        "street": "Bahnhofstrasse 12",
        "city": "Zürich",
        "country": "CH",
        "vat_id": "CHE-123.456.789 MWST",
    },
    "MUC": {
        "legal_name": "Billing Deutschland GmbH",
        "street": "Leopoldstraße 40",
        "city": "München",
        "country": "DE",
        "vat_id": "DE123456789",
    },
}


def address_lines(branch_code: str) -> list[str]:
    """The address block printed in the invoice letterhead."""
    branch = BRANCHES[branch_code]
    return [branch["legal_name"], branch["street"], f"{branch['country']}-{branch['city']}"]
