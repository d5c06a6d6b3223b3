"""SuiteQL: a small Oracle-flavoured SELECT engine over the account's records."""
