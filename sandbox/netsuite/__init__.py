"""A faithful NetSuite emulator: REST records, SuiteQL, TBA, governance and a warehouse."""
