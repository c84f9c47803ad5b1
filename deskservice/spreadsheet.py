"""Text written into CSV files that staff open in a spreadsheet."""

# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection"):
# = + - @, and a tab or carriage return before one of them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` as the spreadsheet should show it: text that would start a formula gets a leading
    apostrophe, so a patron's or operator's words stay words. Numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
